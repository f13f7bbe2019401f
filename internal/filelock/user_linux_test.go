//go:build linux

package filelock

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// A lock file another user made (root's, 0644, in /tmp after a CI run as
// root) is locked, and waited for, as one's own: flock needs no right to
// write the file.
func TestLockAsAnotherUser(t *testing.T) {
	if path := os.Getenv("FILELOCK_TEST_LOCK"); path != "" { // the other user
		unlock, err := Lock(path, nil, "")
		if err != nil {
			t.Fatalf("Lock(%q) as uid %d = %v, want nil", path, os.Getuid(), err)
		}
		unlock()
		if unlock, err = TryLock(path); err != nil {
			t.Fatalf("TryLock(%q) as uid %d = %v, want nil", path, os.Getuid(), err)
		}
		unlock()
		return
	}
	if os.Geteuid() != 0 {
		testenv.Need(t, "root, to make a lock file as one user and take it as another")
	}
	dir := t.TempDir()
	// Temporary folders are their maker's own (0700): let the other user
	// reach the lock, as /tmp's files are reached.
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "x.lock")
	unlock, err := Lock(path, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	// The test binary, where the other user can run it.
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "filelock.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestLockAsAnotherUser$", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FILELOCK_TEST_LOCK="+path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("locking root's lock file as uid 65534: %v\n%s", err, out)
	}
}
