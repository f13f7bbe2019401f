//go:build linux

package testengine

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

func TestMain(m *testing.M) { Main(m) }

// Run returns the client's stdout, not its stderr.
func TestRun(t *testing.T) {
	e := engine.Engine{Name: "sh", Path: "/bin/sh", Args: []string{"-c"}}
	if got := Run(t, e, "echo out; echo err >&2"); got != "out\n" {
		t.Errorf("Run(sh -c echo out; echo err >&2) = %q, want %q", got, "out\n")
	}
}

// A container left running when the test ends is stopped with its daemon
// (or by podman rm): nothing of the engine's stays on the machine, and the
// folders go.
func TestNothingLeft(t *testing.T) {
	testenv.SkipIfShort(t, "builds the image and runs dockerd and podman")
	local := Dist(t, "../..")
	for _, start := range []func(testing.TB) (string, []string){docker, podman} {
		var dir string
		t.Run("", func(t *testing.T) {
			path, args := start(t)
			dir = folderOf(args)
			for _, a := range [][]string{{"load", "--quiet", "--input", local.Tarball}, {"run", "--detach", "--pull", "never", "--read-only", "--no-healthcheck",
				"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=512:512", Tag}} {
				if out, err := exec.Command(path, append(slices.Clone(args), a...)...).CombinedOutput(); err != nil {
					t.Fatalf("%s %s: %v: %s", path, a[0], err, out)
				}
			}
			if len(Processes(dir)) == 0 {
				t.Errorf("Processes(%s) = none while the engine runs a container, want its shim or conmon", dir)
			}
		})
		if left := Processes(dir); len(left) > 0 {
			t.Errorf("Processes(%s) = %v after the test, want none", dir, left)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("Stat(%s) after the test = %v, want it gone", dir, err)
		}
	}
}

func docker(t testing.TB) (string, []string) { e := Docker(t); return e.Path, e.Args }
func podman(t testing.TB) (string, []string) { e := Podman(t); return e.Path, e.Args }

// folderOf is the test's own folder, from the engine's flags.
func folderOf(args []string) string {
	for i, a := range args {
		if a == "--host" || a == "--root" {
			return filepath.Dir(strings.TrimPrefix(args[i+1], "unix://"))
		}
	}
	return ""
}

// recorder is a testing.TB that keeps what fails it.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

// A process left behind fails the test, and is killed.
func TestAssertNothingLeft(t *testing.T) {
	drainWait = 200 * time.Millisecond
	t.Cleanup(func() { drainWait = 10 * time.Second })
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "leftover"), nil, 0o644)
	cmd := exec.Command("tail", "-f", filepath.Join(dir, "leftover")) // one process, dir on its command line
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	r := &recorder{TB: t}
	assertNothingLeft(r, dir)
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "left running after the test: pid") {
		t.Errorf("assertNothingLeft(a sleep left) failed the test with %q, want one leftover", r.errs)
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Errorf("the leftover is still running: assertNothingLeft did not kill it")
	}
}

func TestTailAndLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	os.WriteFile(path, []byte(strings.Repeat("x", 3000)+"end"), 0o644)
	if got := tail(path); len(got) != 2000 || !strings.HasSuffix(got, "end") {
		t.Errorf("tail(3003 bytes) = %d bytes ending %q, want the last 2000", len(got), got[len(got)-3:])
	}
	if n, err := (logWriter{t}).Write([]byte("waiting: x\n")); n != 11 || err != nil {
		t.Errorf("logWriter.Write() = %d, %v; want 11, nil", n, err)
	}
}
