package testengine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/filelock"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// Docker starts dockerd for t and returns the docker client pointed at it.
// It fails in CI and skips loudly elsewhere without dockerd, docker or
// root.
func Docker(t testing.TB) engine.Engine {
	t.Helper()
	dockerd := testenv.MustHaveExec(t, "dockerd", "apt-get install docker.io")
	cli := testenv.MustHaveExec(t, "docker", "apt-get install docker.io")
	// "engines" is the lock every checkout once took for both engines:
	// one on older code never starts its dockerd beside this one.
	dir := ownFolder(t, "dockerd", "engines")
	sock := filepath.Join(dir, "docker.sock")
	logs, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	// No iptables rules and no ip_forward: the machine's own daemon (a CI
	// runner has one) keeps its chains as they are, and a port published
	// on 127.0.0.1 is reached through docker-proxy, as it is anyway.
	cmd := exec.Command(dockerd, "--storage-driver=vfs", "--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"), "-H", "unix://"+sock, "--pidfile", filepath.Join(dir, "dockerd.pid"),
		"--iptables=false", "--ip-forward=false")
	cmd.Stdout, cmd.Stderr = logs, logs
	// A test binary killed outright takes its dockerd with it. The kernel
	// sends Pdeathsig when the thread that started the child ends, so that
	// thread is kept for as long as dockerd runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	exited, started := make(chan struct{}), make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		started <- err
		if err == nil {
			cmd.Wait()
		}
		logs.Close()
		close(exited)
	}()
	if err := <-started; err != nil {
		t.Fatalf("starting dockerd: %v", err)
	}
	t.Cleanup(func() { stopDockerd(t, cmd.Process, exited, dir) })
	e := engine.Engine{Name: engine.Docker, Path: cli, Args: []string{"--host", "unix://" + sock}}
	deadline := time.Now().Add(60 * time.Second)
	for e.Ping(context.Background()) != nil {
		select {
		case <-exited:
			t.Fatalf("dockerd exited at start: %s", tail(filepath.Join(dir, "dockerd.log")))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("dockerd not answering on %s within 60s: %s", sock, tail(filepath.Join(dir, "dockerd.log")))
		}
	}
	return e
}

// Engines are Docker and Podman, each started as Docker and Podman
// start them, for tests that run through both.
var Engines = []struct {
	Name  string
	Start func(testing.TB) engine.Engine
}{
	{engine.Docker, Docker},
	{engine.Podman, Podman},
}

// Podman returns the podman client on a store of t's own (vfs storage,
// cgroupfs, its own run and temporary folders). Fails in CI and skips
// loudly elsewhere without podman or root.
func Podman(t testing.TB) engine.Engine {
	t.Helper()
	cli := testenv.MustHaveExec(t, "podman", "apt-get install podman")
	dir := ownFolder(t, "podman", "podman")
	e := engine.Engine{Name: engine.Podman, Path: cli, Args: []string{
		"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"), "--tmpdir", filepath.Join(dir, "tmp"),
		"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file"}}
	t.Cleanup(func() {
		if out, err := exec.Command(cli, append(e.Args, "rm", "--all", "--force")...).CombinedOutput(); err != nil {
			t.Errorf("podman rm --all: %v: %s", err, out)
		}
		assertNothingLeft(t, dir)
	})
	return e
}

// ownFolder takes the machine-wide lock of its kind (lock names it) and
// makes t's folder, under /tmp directly: a unix socket's path must stay
// short. Both go at cleanup.
func ownFolder(t testing.TB, what, lock string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Need(t, what+" as the tests run it needs root")
	}
	unlock, err := filelock.Lock(filepath.Join(os.TempDir(), "devops-info-service-go-"+lock+".lock"), logWriter{t}, "another test's "+what)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
	dir, err := os.MkdirTemp("", what+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unmountUnder(dir)
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("removing %s: %v", dir, err)
		}
	})
	return dir
}

// stopDockerd stops dockerd by its pid, which stops the containerd it
// started and the shims; whatever still names dir on its command line is
// then a leak: it is killed, and the test fails.
func stopDockerd(t testing.TB, p *os.Process, exited <-chan struct{}, dir string) {
	p.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		p.Kill()
		<-exited
		t.Errorf("dockerd (pid %d) did not stop within 30s of SIGTERM: killed", p.Pid)
	}
	assertNothingLeft(t, dir)
}

// assertNothingLeft fails t for each process whose command line names dir
// (containerd, a shim, conmon) 10 s after the engine was told to stop, and
// kills it: all were started for t. conmon, for one, outlives its
// container by the time its clean-up command takes.
func assertNothingLeft(t testing.TB, dir string) {
	t.Helper()
	for deadline := time.Now().Add(drainWait); len(Processes(dir)) > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	for _, pid := range Processes(dir) {
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		t.Errorf("left running after the test: pid %d %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// drainWait is how long the engine's processes have to go once it is
// told to stop.
var drainWait = 10 * time.Second

// Processes are the pids whose command line mentions dir, as ps would
// list them.
func Processes(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(dir+"/")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// unmountUnder lets go of what the engine left mounted in dir (a
// container's shm, netns files), deepest first, so dir can go.
func unmountUnder(dir string) {
	info, _ := os.ReadFile("/proc/self/mountinfo")
	lines := strings.Split(string(info), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if f := strings.Fields(lines[i]); len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			syscall.Unmount(f[4], syscall.MNT_DETACH)
		}
	}
}

// tail is the end of a log file, for a failure message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// logWriter sends the lock's "waiting" line to the test log.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
