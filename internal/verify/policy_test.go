package verify

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/settings"
)

func TestPolicyFor(t *testing.T) {
	t.Parallel()
	_, pub := keyPair(t)
	tests := []struct {
		name                           string
		key, identity, issuer, trusted string
		want                           string
	}{
		{"not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "", "", "", "COSIGN_PUBLIC_KEY: reading the public key"},
		{"nothing", "", "", "", "", "nothing to verify against: set COSIGN_PUBLIC_KEY"},
		{"an identity without an issuer", "", workflowIdentity, "", "", "nothing to verify against"},
		{"no trusted root file", "", workflowIdentity, GitHubIssuer, filepath.Join(t.TempDir(), "trusted_root.json"), "reading Sigstore's trusted root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PolicyFor(tt.key, tt.identity, tt.issuer, tt.trusted)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("PolicyFor(%s) = %v, want %q", tt.name, err, tt.want)
			}
		})
	}
	if pub.Key == nil {
		t.Error("PolicyFor(cosign.pub) has no key")
	}
	// Keyless without a trusted material is no policy to check against.
	if fails := Check(Image{Name: "x"}, Policy{Identity: workflowIdentity}); len(fails) != 1 || !strings.Contains(fails[0], "nothing to verify against") {
		t.Errorf("Check(no trust) = %q, want one line saying so", fails)
	}
}

func TestFromRegistryMissing(t *testing.T) {
	t.Parallel()
	tg := memTarget(t, true)
	ref := tg.repo.Digest("sha256:" + strings.Repeat("0", 64))
	if _, err := FromRegistry(ref, tg.remote()...); err == nil || !strings.Contains(err.Error(), "reading "+ref.String()) {
		t.Errorf("FromRegistry(missing) = %v, want an error naming it", err)
	}
}

// settings names GitHub's OIDC issuer without importing this package,
// which would bring Sigstore into the magefile: it is this one.
func TestSettingsIssuer(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_WORKFLOW_REF": "o/r/.github/workflows/ci.yml@refs/heads/main"}
	v, err := settings.Verify(func(k string) string { return env[k] })
	if err != nil || v.Issuer != GitHubIssuer {
		t.Errorf("settings.Verify(GitHub Actions).Issuer = %q, %v; want %q", v.Issuer, err, GitHubIssuer)
	}
}
