package sign

import (
	"context"
	"errors"
	"net/http"

	"github.com/lehus1/devops-info-service-go/internal/provenance"
)

// Config is what decides how push signs (settings.Sign reads it from the
// environment).
type Config struct {
	// PrivateKey is a cosign private key, PEM, encrypted with Password
	// (COSIGN_PRIVATE_KEY, COSIGN_PASSWORD).
	PrivateKey, Password []byte
	// Required makes "no way to sign" an error (SIGN=required).
	Required bool
	// TokenURL and TokenBearer are set in a GitHub Actions job that may
	// ask for an OIDC token (permissions: id-token: write).
	TokenURL, TokenBearer string
	// Builder is what the provenance names as having built the image.
	Builder provenance.Builder
}

// Unsigned says why push goes unsigned, and how to sign.
const Unsigned = "not signing: no COSIGN_PRIVATE_KEY (with COSIGN_PASSWORD), and not in a GitHub Actions job with `permissions: id-token: write` (SIGN=required makes this an error)"

// ErrNoSigner is Unsigned as an error, for SIGN=required.
var ErrNoSigner = errors.New("SIGN=required, but there is nothing to sign with: set COSIGN_PRIVATE_KEY and COSIGN_PASSWORD, or push from a GitHub Actions job with `permissions: id-token: write`")

// New is the Signer that c calls for: the key when there is one, else
// keyless when GitHub Actions offers an OIDC token, else nil (unsigned),
// or ErrNoSigner when c.Required.
func New(ctx context.Context, c Config, opts ...KeylessOption) (*Signer, error) {
	switch {
	case len(c.PrivateKey) > 0:
		k, err := LoadKey(c.PrivateKey, c.Password)
		if err != nil {
			return nil, err
		}
		return WithKey(k), nil
	case c.TokenURL != "" && c.TokenBearer != "":
		tok, err := GitHubToken(ctx, http.DefaultClient, c.TokenURL, c.TokenBearer)
		if err != nil {
			return nil, err
		}
		return Keyless(tok, opts...)
	case c.Required:
		return nil, ErrNoSigner
	}
	return nil, nil
}
