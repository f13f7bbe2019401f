//go:build linux

package testengine

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// Run returns the client's stdout; a failure ends the test with its
// stderr.
func TestRun(t *testing.T) {
	e := engine.Engine{Name: "sh", Path: "/bin/sh", Args: []string{"-c"}}
	if got := Run(t, e, "echo out; echo err >&2"); got != "out\n" {
		t.Errorf("Run(sh -c echo out; echo err >&2) = %q, want %q", got, "out\n")
	}
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); Run(r, e, "echo why >&2; exit 3") }()
	<-done
	if want := "sh echo why >&2; exit 3: exit status 3: why"; len(r.errs) != 1 || r.errs[0] != want {
		t.Errorf("Run(a failing command) failed the test with %q, want %q", r.errs, want)
	}
}

// A container left running when the test ends is stopped with its daemon
// (or by podman rm): nothing of the engine's stays on the machine, and the
// folders go.
func TestNothingLeft(t *testing.T) {
	testenv.SkipIfShort(t, "builds the image and runs dockerd and podman")
	local := Dist(t, "../..")
	var mu sync.Mutex
	var dirs, only []string
	Share(t, []Case{{Name: "run", Test: func(t *testing.T, e engine.Engine) {
		dir := folderOf(e.Args)
		mu.Lock()
		dirs = append(dirs, dir)
		mu.Unlock()
		Run(t, e, "load", "--quiet", "--input", local.Tarball)
		Run(t, e, "run", "--detach", "--pull", "never", "--read-only", "--no-healthcheck",
			"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=512:512", Tag)
		if len(Processes(dir)) == 0 {
			t.Errorf("Processes(%s) = none while the engine runs a container, want its shim or conmon", dir)
		}
	}}, {Name: "podman only", Only: engine.Podman, Test: func(t *testing.T, e engine.Engine) {
		mu.Lock()
		only = append(only, e.Name)
		mu.Unlock()
	}}})
	if !slices.Equal(only, []string{engine.Podman}) {
		t.Errorf("a case for podman only ran on %q, want podman's alone", only)
	}
	for _, dir := range dirs {
		if left := Processes(dir); len(left) > 0 {
			t.Errorf("Processes(%s) = %v after the test, want none", dir, left)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("Stat(%s) after the test = %v, want it gone", dir, err)
		}
	}
}

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

// Fatalf records, and ends the goroutine as the real one does.
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

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
