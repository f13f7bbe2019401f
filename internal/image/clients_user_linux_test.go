//go:build linux

package image_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// Another user than the one who built (root, in CI) can copy dist/oci.
func TestSkopeoCopiesTheLayoutAsAnotherUser(t *testing.T) {
	testenv.MustHaveExec(t, "skopeo", "apt-get install skopeo")
	if os.Geteuid() != 0 {
		testenv.Need(t, "root, to build as one user and copy as another")
	}
	d := buildDist(t, "")
	dest := t.TempDir()
	// Temporary folders are their maker's own (0700): let the other user
	// reach dist/, as a checkout's folders would, and its own folder.
	for _, start := range []string{d.cfg.Dir, dest} {
		for dir := start; dir != filepath.Dir(dir) && strings.HasPrefix(dir, os.TempDir()+"/"); dir = filepath.Dir(dir) {
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Chown(dest, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	policy := filepath.Join(dest, "policy.json")
	if err := os.WriteFile(policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("skopeo", "--policy", policy, "copy", "--quiet", "--all", "--preserve-digests",
		"oci:"+d.out.Layout+":"+version, "oci:"+filepath.Join(dest, "copy")+":"+version)
	cmd.Env = append(os.Environ(), "HOME="+dest, "XDG_RUNTIME_DIR="+dest, "TMPDIR="+dest)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy as uid 65534: %v\n%s", err, out)
	}
	if got := indexDigest(t, filepath.Join(dest, "copy"), version); got != d.digest {
		t.Errorf("skopeo copy as uid 65534: index %s, want %s", got, d.digest)
	}
}
