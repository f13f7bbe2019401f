package settings

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/publish"
)

// Signing is sign.Config, field for field: the release command converts
// it (sign.Config(s)). It is declared here so that this package, which the
// magefile imports, does not import Sigstore's libraries; a field added to
// one and not the other stops that conversion compiling.
type Signing struct {
	PrivateKey, Password  []byte
	Required              bool
	TokenURL, TokenBearer string
	Builder               Builder
}

// Builder is Builder, field for field: what ran the build.
type Builder = struct {
	// ID names the builder: the workflow (server/owner/repo/.github/
	// workflows/ci.yml@ref) in Actions, else the kind of machine.
	ID string
	// Invocation is this run's own id (the workflow run's address), empty
	// outside Actions.
	Invocation string
	// Ref is the git ref built, such as refs/heads/main; may be empty.
	Ref string
}

// gitHubIssuer is verify.GitHubIssuer (verify's tests check they agree:
// importing verify here would bring Sigstore into the magefile).
const gitHubIssuer = "https://token.actions.githubusercontent.com"

// Sign reads how push signs: COSIGN_PRIVATE_KEY (a PEM file, the PEM
// itself, or its base64), COSIGN_PASSWORD, SIGN (required or unset), and in a GitHub
// Actions job the OIDC token request (ACTIONS_ID_TOKEN_REQUEST_URL and
// _TOKEN) and the workflow run the provenance names (GITHUB_*).
func Sign(getenv func(string) string) (Signing, error) {
	key, err := pem(getenv, "COSIGN_PRIVATE_KEY")
	if err != nil {
		return Signing{}, err
	}
	c := Signing{PrivateKey: key, Password: []byte(getenv("COSIGN_PASSWORD")), Builder: builder(getenv, runtime.GOOS, runtime.GOARCH)}
	switch s := getenv("SIGN"); s {
	case "required":
		c.Required = true
	case "":
	default:
		return Signing{}, fmt.Errorf("SIGN must be \"required\" or unset, got %q", s)
	}
	if getenv("GITHUB_ACTIONS") == "true" {
		c.TokenURL, c.TokenBearer = getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	}
	return c, nil
}

// Verification is what verify checks, and against whom.
type Verification struct {
	// PublicKey is the PEM public key a key-based signature must match
	// (COSIGN_PUBLIC_KEY, a file or the PEM itself).
	PublicKey string
	// Identity and Issuer are the certificate identity and OIDC issuer a
	// keyless signature must have (COSIGN_CERTIFICATE_IDENTITY and
	// COSIGN_CERTIFICATE_OIDC_ISSUER; in GitHub Actions, by default, this
	// workflow's and GitHub's).
	Identity, Issuer string
	// TrustedRoot is a Sigstore trusted root file (SIGSTORE_TRUSTED_ROOT);
	// empty means Sigstore's public one.
	TrustedRoot string
	// Registry is where push sent the image (IMAGE and push's credentials
	// and transport); nil, when IMAGE is unset, means dist/oci itself.
	Registry *publish.Config
	// Digest is the digest IMAGE names (IMAGE=repo@sha256:…); empty means
	// dist/oci's.
	Digest string
}

// Verify reads what verify checks: COSIGN_PUBLIC_KEY,
// COSIGN_CERTIFICATE_IDENTITY, COSIGN_CERTIFICATE_OIDC_ISSUER,
// SIGSTORE_TRUSTED_ROOT, and IMAGE with what Publish reads for it.
func Verify(getenv func(string) string) (Verification, error) {
	key, err := pem(getenv, "COSIGN_PUBLIC_KEY")
	if err != nil {
		return Verification{}, err
	}
	v := Verification{PublicKey: string(key), Identity: getenv("COSIGN_CERTIFICATE_IDENTITY"),
		Issuer: getenv("COSIGN_CERTIFICATE_OIDC_ISSUER"), TrustedRoot: getenv("SIGSTORE_TRUSTED_ROOT")}
	if getenv("GITHUB_ACTIONS") == "true" {
		if v.Identity == "" {
			v.Identity = getenv("GITHUB_SERVER_URL") + "/" + getenv("GITHUB_WORKFLOW_REF")
		}
		if v.Issuer == "" {
			v.Issuer = gitHubIssuer
		}
	}
	ref := getenv("IMAGE")
	if ref == "" {
		return v, nil
	}
	repo, digest, _ := strings.Cut(ref, "@")
	cfg, err := publishTo(getenv, repo)
	if err != nil {
		return Verification{}, err
	}
	v.Registry, v.Digest = &cfg, digest
	return v, nil
}

// Unset says why there is nothing to verify against; "" means there is.
func (v Verification) Unset() string {
	if v.PublicKey == "" && v.Identity == "" {
		return "nothing to verify against (set COSIGN_PUBLIC_KEY)"
	}
	return ""
}

// pem reads the variable k: a PEM block, the base64 of one (as many CI
// secret stores hold a key), or the name of a file holding one. Its value
// is never put in an error: it may be a private key that lost its first
// line or gained a stray character.
func pem(getenv func(string) string, k string) ([]byte, error) {
	v := getenv(k)
	if pemText := strings.TrimRight(strings.TrimLeft(v, "\"' \t\r\n"), "\"'"); v == "" || strings.HasPrefix(pemText, pemStart) {
		return []byte(pemText), nil // a stray quote or blank does no harm
	}
	if b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), "")); err == nil && bytes.Contains(b, []byte(pemStart)) {
		return b, nil
	}
	data, err := os.ReadFile(v)
	if err != nil {
		why := "unreadable"
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			why = pe.Err.Error() // the reason without the path, which is the value
		}
		return nil, fmt.Errorf("%s is neither a PEM key nor a readable file (%s); give the PEM, its base64, or the path of a file holding it", k, why)
	}
	return data, nil
}

const pemStart = "-----BEGIN"

// builder is the builder the provenance names: the workflow run, as
// GitHub Actions' variables describe it, or a machine of kind "local"
// (or "ci" when CI=true) on goos/goarch.
func builder(getenv func(string) string, goos, goarch string) Builder {
	if getenv("GITHUB_ACTIONS") == "true" {
		server := getenv("GITHUB_SERVER_URL")
		b := Builder{ID: server + "/" + getenv("GITHUB_WORKFLOW_REF"), Ref: getenv("GITHUB_REF")}
		if run := getenv("GITHUB_RUN_ID"); run != "" {
			b.Invocation = fmt.Sprintf("%s/%s/actions/runs/%s/attempts/%s", server, getenv("GITHUB_REPOSITORY"), run, getenv("GITHUB_RUN_ATTEMPT"))
		}
		return b
	}
	kind := "local"
	if ReadCI(getenv).Enabled {
		kind = "ci"
	}
	return Builder{ID: "urn:devops-info-service-go:builder:" + kind + ":" + goos + "/" + goarch, Ref: getenv("GITHUB_REF")}
}
