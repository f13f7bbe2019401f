package sign

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
)

// The public-good Sigstore instance, where keyless signing in GitHub
// Actions goes; only ever reached from a workflow run.
const (
	DefaultFulcio = "https://fulcio.sigstore.dev"
	DefaultRekor  = "https://rekor.sigstore.dev"
)

type keylessOptions struct {
	fulcio    string
	rekor     string
	transport http.RoundTripper
	rekorAPI  sgsign.RekorClient
	keypair   sgsign.Keypair
}

// KeylessOption changes how Keyless signs.
type KeylessOption func(*keylessOptions)

// WithFulcio sets the certificate authority's address and the transport
// to it. Default DefaultFulcio over http.DefaultTransport.
func WithFulcio(u string, t http.RoundTripper) KeylessOption {
	return func(o *keylessOptions) { o.fulcio, o.transport = u, t }
}

// WithRekor sets the transparency log's address, and (non-nil) a client
// for it. Default DefaultRekor and sigstore-go's client.
func WithRekor(u string, c sgsign.RekorClient) KeylessOption {
	return func(o *keylessOptions) { o.rekor, o.rekorAPI = u, c }
}

// WithKeypair sets the signing key. Default a new ECDSA P-256 key for
// this Signer alone, which is what keyless means: the certificate, not
// the key, says who signed.
func WithKeypair(k sgsign.Keypair) KeylessOption {
	return func(o *keylessOptions) { o.keypair = k }
}

// Keyless is a Signer whose key is certified for idToken's identity by
// Fulcio, and whose every signature is entered in Rekor.
func Keyless(idToken string, opts ...KeylessOption) (*Signer, error) {
	o := keylessOptions{fulcio: DefaultFulcio, rekor: DefaultRekor}
	for _, opt := range opts {
		opt(&o)
	}
	if o.keypair == nil {
		kp, err := sgsign.NewEphemeralKeypair(nil)
		if err != nil {
			return nil, fmt.Errorf("making a signing key: %w", err)
		}
		o.keypair = kp
	}
	return &Signer{keypair: o.keypair, How: "keyless", opts: sgsign.BundleOptions{
		CertificateProvider:        sgsign.NewFulcio(&sgsign.FulcioOptions{BaseURL: o.fulcio, Transport: o.transport, Retries: 2}),
		CertificateProviderOptions: &sgsign.CertificateProviderOptions{IDToken: idToken},
		TransparencyLogs:           []sgsign.Transparency{sgsign.NewRekor(&sgsign.RekorOptions{BaseURL: o.rekor, Client: o.rekorAPI, Retries: 2})},
	}}, nil
}

// GitHubToken asks GitHub Actions for the workflow's OIDC token with the
// audience "sigstore", as Fulcio wants it. requestURL and bearer are
// ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, which a
// job gets with `permissions: id-token: write`.
func GitHubToken(ctx context.Context, client *http.Client, requestURL, bearer string) (string, error) {
	u, err := url.Parse(requestURL)
	if err != nil {
		return "", fmt.Errorf("reading ACTIONS_ID_TOKEN_REQUEST_URL: %w", err)
	}
	q := u.Query()
	q.Set("audience", "sigstore")
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := client.Do(req)
	if err != nil {
		// The URL carries no secret; the bearer token is in a header.
		return "", fmt.Errorf("getting the workflow's OIDC token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("getting the workflow's OIDC token: status %d (does the job have `permissions: id-token: write`?)", resp.StatusCode)
	}
	var v struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Value == "" {
		return "", fmt.Errorf("getting the workflow's OIDC token: the answer has no token")
	}
	return v.Value, nil
}
