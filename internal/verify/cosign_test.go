package verify

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/sign"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// cosign runs the cosign CLI with nowhere to go but this machine: any
// request past 127.0.0.1 meets a proxy that is not there.
func cosign(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := testenv.MustHaveExec(t, "cosign", testenv.InstallCosign)
	home := t.TempDir()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "TUF_ROOT="+filepath.Join(home, "tuf"), "DOCKER_CONFIG="+home,
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=", "COSIGN_EXPERIMENTAL=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// What push makes is what cosign v3 verifies: the signature with `cosign
// verify --key`, the provenance with `cosign verify-attestation --type
// slsaprovenance1`, from the index's digest and each platform's, and each
// platform's SBOM with `cosign verify-attestation --type spdxjson`, with
// and without the registry's referrers API; another key is refused.
func TestCosignVerifies(t *testing.T) {
	t.Parallel()
	testenv.MustHaveExec(t, "cosign", testenv.InstallCosign)
	k, pub := newKey(t)
	_, otherPub := newKey(t)
	dir := t.TempDir()
	pubFile, otherFile := filepath.Join(dir, "cosign.pub"), filepath.Join(dir, "other.pub")
	os.WriteFile(pubFile, pub, 0o644)
	os.WriteFile(otherFile, otherPub, 0o644)
	for _, api := range []bool{true, false} {
		t.Run(fmt.Sprintf("referrers API %v", api), func(t *testing.T) {
			t.Parallel()
			tg := memTarget(t, api)
			idx := testIndex(t, commit)
			s := signed(t, sign.WithKey(k), idx, provenanceOf(t, idx, commit))
			img := push(t, tg, idx, append(sboms(t, idx), s.Artifacts...)...)
			refs := []string{tg.repo.Digest(img.Index.String()).String()}
			for _, d := range values(img.Platforms) {
				refs = append(refs, tg.repo.Digest(d.String()).String())
			}
			for i, ref := range refs {
				common := []string{"--insecure-ignore-tlog", "--allow-http-registry"}
				tests := []struct {
					args []string
					ok   bool
				}{
					{append([]string{"verify", "--key", pubFile}, append(common, ref)...), true},
					{append([]string{"verify-attestation", "--key", pubFile, "--type", "slsaprovenance1"}, append(common, ref)...), true},
					{append([]string{"verify", "--key", otherFile}, append(common, ref)...), false},
				}
				if i > 0 { // a platform image: its SBOM is attested
					tests = append(tests, struct {
						args []string
						ok   bool
					}{append([]string{"verify-attestation", "--key", pubFile, "--type", "spdxjson"}, append(common, ref)...), true})
				}
				for _, tt := range tests {
					out, err := cosign(t, tt.args...)
					if (err == nil) != tt.ok {
						t.Errorf("cosign %s = %v, want ok %v\n%s", strings.Join(tt.args, " "), err, tt.ok, out)
					}
				}
			}
		})
	}
}
