//go:build !windows

package dev

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// TestMain runs Run as a process of its own for TestCtrlCLeavesNothing,
// the way `go tool mage dev` runs it, when DEV_TEST_MODULE is set;
// DEV_TEST_READY, if set, is its Config.Ready.
func TestMain(m *testing.M) {
	if dir := os.Getenv("DEV_TEST_MODULE"); dir != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		ready, _ := time.ParseDuration(os.Getenv("DEV_TEST_READY"))
		runner, err := engineRunner(ctx, os.Getenv("DEV_TEST_ENGINE"))
		if err == nil {
			err = Run(ctx, Config{Dir: dir, Version: testInfo, Runner: runner, Ready: ready}, os.Stdout, os.Stderr)
		}
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// devProcess is Run in a process of its own, with TMPDIR tmp and env
// added, started by startGroup.
func devProcess(t *testing.T, dir, tmp string, env ...string) (*exec.Cmd, *testenv.Buffer, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append([]string{"DEV_TEST_MODULE=" + dir, "TMPDIR=" + tmp, "PORT="}, env...)...)
	stderr, lines := startGroup(t, cmd)
	return cmd, stderr, lines
}

// startGroup starts cmd in a process group of its own, as a terminal's
// foreground job is, killed with its group after the test: its stdout
// lines come on the channel.
func startGroup(t *testing.T, cmd *exec.Cmd) (*testenv.Buffer, <-chan string) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr := &testenv.Buffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil { // not waited for: the group may live
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	return stderr, lines
}

// firstLine is the first line dev prints on stdout, its URL, waited for
// for up to two minutes: a build in a container is slow on a busy machine.
func firstLine(t *testing.T, lines <-chan string, stderr *testenv.Buffer) string {
	t.Helper()
	select {
	case line, ok := <-lines:
		if !ok {
			t.Fatalf("dev exited before printing its URL:\n%s", stderr.String())
		}
		return line
	case <-time.After(2 * time.Minute):
		t.Fatalf("dev printed no URL within two minutes:\n%s", stderr.String())
		return ""
	}
}

// interrupt sends dev Ctrl-C and checks that it exits 0, leaving nothing
// in tmp. Under mage, a target that takes more than the 5 s mage gives it
// fails its exit status; the 15 s are the watchdog's, for a loaded machine.
func interrupt(t *testing.T, cmd *exec.Cmd, stderr *testenv.Buffer, tmp string) {
	t.Helper()
	// To the group, as a terminal sends Ctrl-C: dev's children (go build,
	// an engine's clients) get it too.
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	exits(t, cmd, stderr, tmp, "Ctrl-C", 15*time.Second)
}

// exits checks that dev, told to stop by what, exits 0 within limit,
// leaving nothing in tmp.
func exits(t *testing.T, cmd *exec.Cmd, stderr *testenv.Buffer, tmp, what string, limit time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("dev after %s = %v, want exit status 0:\n%s", what, err, stderr.String())
		}
	case <-time.After(limit):
		// Killed and waited for here, so that the cleanup's read of
		// cmd.ProcessState follows Wait's write of it.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("dev still running %v after %s:\n%s", limit, what, stderr.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR after %s: %v, want nothing:\n%s", what, left, stderr.String())
	}
}

// Ctrl-C stops dev and the service, and leaves no process, no port and no
// file behind.
func TestCtrlCLeavesNothing(t *testing.T) {
	t.Parallel()
	dir, tmp := newModule(t), t.TempDir()
	cmd, stderr, lines := devProcess(t, dir, tmp)
	var url string
	select {
	case url = <-lines:
	case <-time.After(time.Minute):
		t.Fatalf("dev printed no URL within a minute:\n%s", stderr.String())
	}
	body, err := get(url + "/")
	f := strings.Fields(body)
	if err != nil || len(f) != 2 {
		t.Fatalf("GET / = %q, %v, want the marker and the pid", body, err)
	}
	pid, _ := strconv.Atoi(f[1])
	interrupt(t, cmd, stderr, tmp)
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the service (pid %d) after Ctrl-C: kill -0 = %v, want no such process", pid, err)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if _, err := get(url + "/health"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("GET %s/health after Ctrl-C = %v, want connection refused", url, err)
	}
}

// Ctrl-C during a build interrupts go build, which removes its work
// folder (in TMPDIR) too.
func TestCtrlCDuringBuild(t *testing.T) {
	t.Parallel()
	dir, tmp := newModule(t), t.TempDir()
	cmd, stderr, _ := devProcess(t, dir, tmp)
	waitFor(t, "dev to start building", func() bool { return strings.Contains(stderr.String(), "dev: serving ") })
	waitFor(t, "go build's work folder", func() bool {
		left, _ := filepath.Glob(filepath.Join(tmp, "*", "go-build*"))
		return len(left) > 0
	})
	interrupt(t, cmd, stderr, tmp)
}

// kill -9 of dev gives it no chance to clean up: the version serving gets
// SIGTERM from the kernel and exits, but dev's folder of binaries stays in
// TMPDIR. The next dev removes it, saying so, and never a live dev's.
func TestKilledDevLeavesItsBuildsToTheNext(t *testing.T) {
	t.Parallel()
	dir, tmp := newModule(t), t.TempDir()
	cmd, stderr, lines := devProcess(t, dir, tmp)
	url := firstLine(t, lines, stderr)
	body, err := get(url + "/")
	f := strings.Fields(body)
	if err != nil || len(f) != 2 {
		t.Fatalf("GET / = %q, %v, want the marker and the pid", body, err)
	}
	pid, _ := strconv.Atoi(f[1])
	cmd.Process.Kill() // dev alone, not its group
	cmd.Wait()
	if runtime.GOOS != "linux" {
		// Only Linux stops the service with dev (dieWithDev).
		syscall.Kill(pid, syscall.SIGKILL)
	}
	waitFor(t, "the service to exit after kill -9 of dev", func() bool {
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	})
	left, _ := filepath.Glob(filepath.Join(tmp, "devops-info-service-dev-*"))
	if len(left) != 1 {
		t.Fatalf("TMPDIR after kill -9 of dev holds %q, want its one folder of builds", left)
	}

	live, liveErr, liveLines := devProcess(t, dir, tmp)
	firstLine(t, liveLines, liveErr)
	next, nextErr, nextLines := devProcess(t, dir, tmp)
	firstLine(t, nextLines, nextErr)
	if _, err := os.Stat(left[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s after the next dev started: %v, want removed", left[0], err)
	}
	said := liveErr.String() + nextErr.String()
	if want := "dev: removed " + left[0] + ", left by a dev that was killed\n"; strings.Count(said, want) != 1 {
		t.Errorf("the next devs' logs say %q, want %q once", said, want)
	}
	interrupt(t, next, nextErr, filepath.Join(tmp, "none")) // the live dev's folder stays
	if got, _ := filepath.Glob(filepath.Join(tmp, "devops-info-service-dev-*")); len(got) != 1 {
		t.Errorf("TMPDIR with one dev live holds %q, want its one folder", got)
	}
	interrupt(t, live, liveErr, tmp)
}
