package settings

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/provenance"
	"github.com/lehus1/devops-info-service-go/internal/sign/signtest"
)

const testPEM = "-----BEGIN PUBLIC KEY-----\nMFk=\n-----END PUBLIC KEY-----\n"

var actions = map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
	"GITHUB_WORKFLOW_REF": "o/r/.github/workflows/ci.yml@refs/heads/main", "GITHUB_REF": "refs/heads/main", "GITHUB_RUN_ID": "7", "GITHUB_RUN_ATTEMPT": "2",
	"ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/token", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "bearer"}

func TestSign(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "cosign.key")
	if err := os.WriteFile(keyFile, []byte(testPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Sign(getenv(map[string]string{"COSIGN_PRIVATE_KEY": keyFile, "COSIGN_PASSWORD": "pw", "SIGN": "required"}))
	if err != nil || string(c.PrivateKey) != testPEM || string(c.Password) != "pw" || !c.Required || c.TokenURL != "" {
		t.Errorf("Sign(a key file) = %+v, %v; want the file's PEM, the password, required, no token", c, err)
	}
	if c, _ := Sign(getenv(map[string]string{"COSIGN_PRIVATE_KEY": testPEM})); string(c.PrivateKey) != testPEM {
		t.Errorf("Sign(a PEM).PrivateKey = %q, want the PEM itself", c.PrivateKey)
	}
	if c, _ := Sign(getenv(actions)); c.TokenURL != actions["ACTIONS_ID_TOKEN_REQUEST_URL"] || c.TokenBearer != "bearer" || c.Required {
		t.Errorf("Sign(GitHub Actions) = %+v, want the token request", c)
	}
	for _, env := range []map[string]string{{"SIGN": "1"}, {"COSIGN_PRIVATE_KEY": filepath.Join(t.TempDir(), "none")}} {
		if _, err := Sign(getenv(env)); err == nil {
			t.Errorf("Sign(%v) = nil error, want one", env)
		}
	}
}

func TestVerify(t *testing.T) {
	v, err := Verify(getenv(map[string]string{"COSIGN_PUBLIC_KEY": testPEM}))
	if err != nil || v.PublicKey != testPEM || v.Registry != nil || v.Unset() != "" {
		t.Errorf("Verify(a key, no IMAGE) = %+v, %v; want the key and dist/oci", v, err)
	}
	if v, _ := Verify(getenv(nil)); v.Unset() == "" {
		t.Errorf("Verify(nothing).Unset() = \"\", want a reason")
	}
	if v, _ := Verify(getenv(actions)); v.Identity != "https://github.com/o/r/.github/workflows/ci.yml@refs/heads/main" || v.Issuer != gitHubIssuer {
		t.Errorf("Verify(GitHub Actions) = %+v, want this workflow's identity and GitHub's issuer", v)
	}
	env := map[string]string{"IMAGE": "127.0.0.1:5000/svc@sha256:" + strings.Repeat("a", 64), "INSECURE_REGISTRY": "127.0.0.1:5000", "REGISTRY_USERNAME": "u",
		"REGISTRY_PASSWORD": "p", "COSIGN_CERTIFICATE_IDENTITY": "me", "COSIGN_CERTIFICATE_OIDC_ISSUER": "https://issuer", "SIGSTORE_TRUSTED_ROOT": "root.json"}
	v, err = Verify(getenv(env))
	if err != nil || v.Registry == nil || v.Registry.Repo.Name() != "127.0.0.1:5000/svc" || v.Registry.Repo.Scheme() != "http" || v.Registry.Username != "u" ||
		v.Digest != "sha256:"+strings.Repeat("a", 64) || v.Identity != "me" || v.Issuer != "https://issuer" || v.TrustedRoot != "root.json" {
		t.Errorf("Verify(%v) = %+v, %v", env, v, err)
	}
	for _, env := range []map[string]string{{"IMAGE": "Bad Name"}, {"COSIGN_PUBLIC_KEY": "no-such-file"}} {
		if _, err := Verify(getenv(env)); err == nil {
			t.Errorf("Verify(%v) = nil error, want one", env)
		}
	}
}

func TestBuilder(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want provenance.Builder
	}{
		{"actions", actions, provenance.Builder{ID: "https://github.com/o/r/.github/workflows/ci.yml@refs/heads/main", Ref: "refs/heads/main",
			Invocation: "https://github.com/o/r/actions/runs/7/attempts/2"}},
		{"ci", map[string]string{"CI": "true"}, provenance.Builder{ID: "urn:devops-info-service-go:builder:ci:linux/amd64"}},
		{"a developer", nil, provenance.Builder{ID: "urn:devops-info-service-go:builder:local:linux/amd64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := builder(getenv(tt.env), "linux", "amd64"); got != tt.want {
				t.Errorf("builder(%s) = %+v, want %+v", tt.name, got, tt.want)
			}
		})
	}
}

// COSIGN_PRIVATE_KEY may be the PEM (after a stray quote too) or its
// base64; anything else is taken for a path, and no part of a value that
// is neither appears in the error, which may be printed in a public log.
func TestSignKeyNeverEchoed(t *testing.T) {
	t.Parallel()
	key, _ := signtest.KeyPair()
	b64 := base64.StdEncoding.EncodeToString(key)
	wrapped := regexp.MustCompile(".{1,64}").ReplaceAllString(b64, "$0\n")
	// Each form gives the PEM itself, byte for byte (release's
	// TestSignedRoundTrip signs with a key given as wrapped base64).
	for _, v := range []string{string(key), `"` + string(key) + `"`, b64, wrapped} {
		c, err := Sign(getenv(map[string]string{"COSIGN_PRIVATE_KEY": v, "COSIGN_PASSWORD": signtest.Password}))
		if err != nil || !bytes.Equal(c.PrivateKey, key) || string(c.Password) != signtest.Password {
			t.Errorf("Sign(COSIGN_PRIVATE_KEY of %d bytes) = a key of %d bytes, %v; want the key's PEM (%d bytes) and its password", len(v), len(c.PrivateKey), err, len(key))
		}
	}

	random := make([]byte, 555)
	rand.Read(random)
	_, body, _ := strings.Cut(string(key), "\n")
	for name, v := range map[string]string{
		"base64 of a PEM, cut short":   wrapped[:len(wrapped)-7],
		"base64 of no PEM":             base64.StdEncoding.EncodeToString(random),
		"a PEM without its first line": body,
		"a missing file":               filepath.Join(t.TempDir(), "cosign.key"),
		"a folder":                     t.TempDir(),
	} {
		_, err := Sign(getenv(map[string]string{"COSIGN_PRIVATE_KEY": v}))
		if err == nil || !strings.Contains(err.Error(), "COSIGN_PRIVATE_KEY is neither a PEM key nor a readable file") {
			t.Errorf("Sign(COSIGN_PRIVATE_KEY=%s) = %v, want \"neither a PEM key nor a readable file\"", name, err)
			continue
		}
		const run = 8 // 48 bits of base64
		for i := 0; i+run <= len(v); i++ {
			if strings.Contains(err.Error(), v[i:i+run]) {
				t.Errorf("Sign(COSIGN_PRIVATE_KEY=%s) = %q, which holds %q, bytes %d-%d of the value", name, err, v[i:i+run], i, i+run)
				break
			}
		}
	}
}
