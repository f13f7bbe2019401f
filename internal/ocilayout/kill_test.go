package ocilayout

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// killSteps are the points of Write where the test kills a build.
var killSteps = []string{"staged", "tarball", "blobs", "index"}

// A build killed (os.Process.Kill: SIGKILL, or TerminateProcess on
// Windows; no deferred cleanup runs) at any point of Write
// leaves dist/oci a whole layout, the old image or the new; what it left
// beside it goes with the next Sweep, and the next Write works.
func TestKilledWriteLeavesAWholeLayout(t *testing.T) {
	testenv.SkipIfShort(t, "builds and kills a writer")
	for _, at := range killSteps {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			out := outputs(dir)
			old := testIndex(t)
			if err := Write(old, out, "old"); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKilledWrite$")
			cmd.Env = append(os.Environ(), "OCILAYOUT_KILL_DIR="+dir, "OCILAYOUT_KILL_AT="+at)
			log, err := cmd.CombinedOutput()
			if !killed(err, log) {
				t.Fatalf("the build to kill at %q ended with %v, want it killed:\n%s", at, err, log)
			}
			if err := Verify(out.Layout); err != nil {
				t.Fatalf("after a kill at %q: Verify() = %v, want a whole layout", at, err)
			}
			if _, _, err := Read(out.Layout); err != nil {
				t.Fatalf("after a kill at %q: Read() = %v", at, err)
			}
			if staged, _ := filepath.Glob(filepath.Join(dir, ".oci-*")); len(staged) == 0 {
				t.Errorf("after a kill at %q: no staging layout left; the kill missed Write", at)
			}
			if err := Sweep(out); err != nil {
				t.Fatal(err)
			}
			if left := leftovers(t, dir, out); len(left) > 0 {
				t.Errorf("after a kill at %q and Sweep: left behind %q", at, left)
			}
			if err := Write(testIndex(t), out, "next"); err != nil {
				t.Fatalf("Write() after a kill at %q = %v", at, err)
			}
			if left := leftovers(t, dir, out); len(left) > 0 {
				t.Errorf("after the next Write: left behind %q", left)
			}
		})
	}
}

// leftovers are the temporary files beside the outputs and the blobs of
// the layout that its index does not name.
func leftovers(t *testing.T, dir string, out Outputs) []string {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	keep, err := reachable(out.Layout, true)
	if err != nil {
		t.Fatal(err)
	}
	blobs, _ := filepath.Glob(filepath.Join(out.Layout, "blobs", "*", "*"))
	for _, b := range blobs {
		if !keep[v1Hash(b)] {
			left = append(left, b)
		}
	}
	return left
}

// TestHelperKilledWrite is the build that TestKilledWriteLeavesAWholeLayout
// kills; it does nothing unless that test started it.
func TestHelperKilledWrite(t *testing.T) {
	dir, at := os.Getenv("OCILAYOUT_KILL_DIR"), os.Getenv("OCILAYOUT_KILL_AT")
	if dir == "" {
		return
	}
	step = func(s string) {
		if s == at {
			self, err := os.FindProcess(os.Getpid())
			if err == nil {
				err = self.Kill()
			}
			t.Fatalf("killing the build at %q: %v", s, err) // reached only if Kill failed
		}
	}
	idx := testIndex(t)
	if err := Write(idx, outputs(dir), "new", sboms(t, idx)...); err != nil {
		t.Fatal(err)
	}
}

// killed says whether a test binary's run ended in a kill: it failed, and
// printed neither PASS nor FAIL, which a test binary prints whenever it
// ends by itself (the exit status of a kill is a signal on Unix, 1 on
// Windows, so the output tells it apart on both).
func killed(err error, out []byte) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && !bytes.Contains(out, []byte("PASS")) && !bytes.Contains(out, []byte("FAIL"))
}

// Two builds in one checkout take turns, the second reaching it through a
// symlink; the second says why it waits, naming the real folder, and its
// lock sweeps what a killed build left.
func TestLockSerializesAndSweeps(t *testing.T) {
	// The lock file goes in a cache folder of the test's own: where
	// os.UserCacheDir looks on Linux, macOS and Windows.
	cache := t.TempDir()
	for _, v := range []string{"XDG_CACHE_HOME", "HOME", "LocalAppData"} {
		t.Setenv(v, cache)
	}
	dir := t.TempDir()
	out := outputs(dir)
	if err := os.MkdirAll(filepath.Join(dir, ".oci-123", "blobs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".image.tar-456"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	unlock, err := Lock(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("Lock() left %q behind", left)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	lines := make(said, 1)
	second := make(chan struct{})
	go func() {
		u, err := Lock(outputs(link), lines)
		if err != nil {
			t.Error(err)
			return
		}
		u()
		close(second)
	}()
	var line string
	select {
	case line = <-lines:
	case <-second:
		t.Fatal("a second Lock() did not wait for the first")
	case <-time.After(10 * time.Second):
		t.Fatal("a second Lock() neither waited nor said why")
	}
	unlock()
	<-second
	resolved, _ := filepath.EvalSymlinks(dir)
	if want := "waiting: another build is writing " + resolved + " in this checkout"; !strings.HasPrefix(line, want) {
		t.Errorf("the second Lock() said %q, want %q", line, want)
	}
}

// said passes on each line written to it.
type said chan string

func (s said) Write(p []byte) (int, error) {
	s <- string(p)
	return len(p), nil
}
