package engine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/container"
	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/smoke"
	"github.com/lehus1/devops-info-service-go/internal/testengine"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv("ENGINE_TEST_SERVE"); spec != "" {
		serveForParent(spec) // the child of TestKilledRunLeavesNothing
		return
	}
	os.Exit(m.Run())
}

// TestEngines runs the engine's tests on one dockerd and one podman store,
// started once for them all: each engine's in turn, the engines side by
// side, and beside runc's (TestSmokeRunc).
func TestEngines(t *testing.T) {
	t.Parallel()
	testengine.Share(t, []testengine.Case{
		{Name: "Smoke", Test: smokes},
		{Name: "ServeUntilCtrlC", Test: serveUntilCtrlC},
		{Name: "ServePortTaken", Test: servePortTaken},
		{Name: "ServeStoppedWhileStarting", Test: serveStoppedWhileStarting},
		{Name: "ServeStoppedWhileCreating", Test: serveStoppedWhileCreating},
		{Name: "KilledRunLeavesNothing", Test: killedRunLeavesNothing},
		{Name: "RebuildReplaces", Test: rebuildReplaces},
		{Name: "SmokeStopped", Test: smokeStopped},
		{Name: "ClientCalledDocker", Test: clientCalledDocker},
		{Name: "DockerClientOnPodman", Test: dockerClientOnPodman, Only: engine.Podman},
		{Name: "Versions", Test: versions},
	})
}

// smokes: Smoke passes through each real engine, its checks named as
// runc's are, and leaves no container behind.
func smokes(t *testing.T, e engine.Engine) {
	local := testengine.Dist(t, "../..")
	var log strings.Builder
	r, err := engine.Smoke(t.Context(), engine.Choice{Engine: e}, local, &log)
	t.Log(log.String())
	if err != nil {
		t.Fatalf("Smoke(%s) = %v", e.Name, err)
	}
	for _, want := range []string{"GET / matches the contract", "runs as uid and gid 65532", "no capabilities", "no new privileges",
		"seccomp filter on", "read-only root filesystem", "at most 4096 open files", "at most 512 processes",
		"/tmp mounted noexec, nosuid, nodev", "published on 127.0.0.1 only", "SIGTERM: exit 0"} {
		if !slices.ContainsFunc(r.Checks, func(c smoke.Check) bool { return strings.HasPrefix(c.Name, want) && c.Err == nil }) {
			t.Errorf("Smoke(%s) checks = %v, want %q passed", e.Name, r.Checks, want)
		}
	}
	if !strings.Contains(log.String(), e.Name+" shows") {
		t.Errorf("Smoke(%s) log has no line saying what the engine cannot show:\n%s", e.Name, log.String())
	}
	assertNoContainers(t, e)
}

// ctrlC is held by the one test that sends this process SIGINT: another
// that listens for it at the same time would stop too.
var ctrlC sync.Mutex

// serveUntilCtrlC: Serve answers on the port it prints, with every
// confinement flag in place as the engine's own inspect reads them back,
// and a SIGINT (Ctrl-C) stops and removes the container.
func serveUntilCtrlC(t *testing.T, e engine.Engine) {
	ctrlC.Lock()
	defer ctrlC.Unlock()
	local := testengine.Dist(t, "../..")
	port := freePort(t)
	ctx, stop := container.StopOnSignal(t.Context())
	defer stop()
	stdout, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- engine.Serve(ctx, engine.Choice{Engine: e}, local, port, w, io.Discard); w.Close() }()
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("Serve printed no URL: %v, %v", err, <-done)
	}
	go io.Copy(io.Discard, stdout)
	if want := fmt.Sprintf("http://127.0.0.1:%d\n", port); url != want {
		t.Errorf("Serve printed %q, want %q", url, want)
	}
	res, err := http.Get(strings.TrimSpace(url) + "/health")
	if err != nil || res.StatusCode != 200 {
		t.Errorf("GET /health = %v, %v; want 200", res, err)
	} else {
		res.Body.Close()
	}
	assertConfined(t, e)
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after SIGINT = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve still running 30 s after SIGINT")
	}
	assertNoContainers(t, e)
}

// assertConfined reads the one running container's settings back from the
// engine's inspect, as a user would check them.
func assertConfined(t *testing.T, e engine.Engine) {
	t.Helper()
	ids := strings.Fields(testengine.Run(t, e, "ps", "--quiet"))
	if len(ids) != 1 {
		t.Fatalf("%s ps = %q, want one container", e.Name, ids)
	}
	var in []struct {
		Config     struct{ User string }
		HostConfig map[string]any
	}
	if err := json.Unmarshal([]byte(testengine.Run(t, e, "inspect", "--type", "container", ids[0])), &in); err != nil || len(in) != 1 {
		t.Fatalf("%s inspect: %v", e.Name, err)
	}
	hc := in[0].HostConfig
	get := func(k string) string { b, _ := json.Marshal(hc[k]); return string(b) }
	caps := `["ALL"]`
	if e.Name == engine.Podman { // podman lists what it dropped, all it would have given
		caps = `"CAP_SYS_CHROOT"`
	}
	for _, c := range []struct{ key, want string }{
		{"CapDrop", caps},
		{"SecurityOpt", `["no-new-privileges"]`},
		{"PidsLimit", `512`},
		{"Ulimits", `"Soft":4096`},
		{"Ulimits", `"Hard":4096`},
		{"Tmpfs", `"/tmp":"rw,noexec,nosuid,nodev`},
		{"ReadonlyRootfs", `true`},
		{"PortBindings", `"HostIp":"127.0.0.1"`},
	} {
		if got := get(c.key); !strings.Contains(got, c.want) {
			t.Errorf("%s inspect: HostConfig.%s = %s, want %s", e.Name, c.key, got, c.want)
		}
	}
	if got := get("CapAdd"); got != "null" && got != "[]" {
		t.Errorf("%s inspect: HostConfig.CapAdd = %s, want none", e.Name, got)
	}
	if got := in[0].Config.User; got != "65532:65532" {
		t.Errorf("%s inspect: Config.User = %q, want 65532:65532", e.Name, got)
	}
}

func assertNoContainers(t *testing.T, e engine.Engine) {
	t.Helper()
	if left := strings.Fields(testengine.Run(t, e, "ps", "--all", "--quiet")); len(left) > 0 {
		t.Errorf("%s ps --all = %q, want no container left", e.Name, left)
	}
}

// freePort is a port on 127.0.0.1 that is free now.
func freePort(t *testing.T) int {
	t.Helper()
	port, err := container.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// With runc chosen, Smoke is today's runc smoke, unchanged, under a runc
// root and bundle folder of the test's own (a run's sweep beside it must
// not see them, nor this test its).
func TestSmokeRunc(t *testing.T) {
	t.Parallel()
	c, err := engine.Choose(engine.Runc, engine.ThisHost())
	if err != nil {
		testenv.Need(t, err.Error())
	}
	root, bundles := filepath.Join(t.TempDir(), "runc"), t.TempDir()
	var log strings.Builder
	r, err := engine.Smoke(t.Context(), c, testengine.Dist(t, "../.."), &log, container.WithRuncRoot(root), container.WithBundleDir(bundles))
	if err != nil {
		t.Fatalf("Smoke(runc) = %v\n%s", err, log.String())
	}
	if !slices.ContainsFunc(r.Checks, func(c smoke.Check) bool { return c.Name == "own network namespace" }) {
		t.Errorf("Smoke(runc) checks = %v, want runc's own, such as own network namespace", r.Checks)
	}
}

// servePortTaken: a port another process holds is one line that says to
// set PORT, and leaves no container.
func servePortTaken(t *testing.T, e engine.Engine) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	err = engine.Serve(t.Context(), engine.Choice{Engine: e}, testengine.Dist(t, "../.."), port, io.Discard, io.Discard)
	t.Logf("Serve(port taken) = %v", err)
	if err == nil || !strings.Contains(err.Error(), "set PORT to a free one") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Serve(port taken) = %v, want one line saying to set PORT", err)
	}
	assertNoContainers(t, e)
}

// serveStoppedWhileStarting: a Ctrl-C before the service answers is a
// stop, said in a line, not an error, and leaves no container.
func serveStoppedWhileStarting(t *testing.T, e engine.Engine) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var logs strings.Builder
	err := engine.Serve(ctx, engine.Choice{Engine: e}, testengine.Dist(t, "../.."), freePort(t), io.Discard, &logs)
	if err != nil || !strings.Contains(logs.String(), "stopped before the service answered") {
		t.Errorf("Serve(Ctrl-C at once) = %v, logs %q; want nil and a line saying it stopped", err, logs.String())
	}
	assertNoContainers(t, e)
}

// serveStoppedWhileCreating: a Ctrl-C while the client's `run` makes the
// container leaves nothing, not even what the engine makes after a client
// killed halfway is gone (with Docker a container created after the `rm`
// meant for it, with Podman a conmon that never exits). The client here
// asks the engine a second after it was started, in a process that
// outlives it, as the engine outlives a killed client.
func serveStoppedWhileCreating(t *testing.T, e engine.Engine) {
	dir := t.TempDir()
	asked, made := filepath.Join(dir, "asked"), filepath.Join(dir, "made")
	client := strings.Join(slices.Concat([]string{e.Path}, e.Args), " ") // paths without spaces
	script := fmt.Sprintf(`if [ "$1" != run ]; then exec %[1]s "$@"; fi
: > %[2]s
(sleep 1; %[1]s "$@" > /dev/null 2> %[3]s.err; echo $? > %[3]s; exit $(cat %[3]s)) > /dev/null 2>&1 &
wait $!; status=$?; cat %[3]s.err >&2; exit $status`, client, asked, made)
	late := engine.Engine{Name: e.Name, Path: "/bin/sh", Args: []string{"-c", script, e.Name}}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	local, port := testengine.Dist(t, "../.."), freePort(t)
	var logs testenv.Buffer
	done := make(chan error, 1)
	go func() { done <- engine.Serve(ctx, engine.Choice{Engine: late}, local, port, io.Discard, &logs) }()
	waitFile(t, asked)
	cancel()
	if err := <-done; err != nil || !strings.Contains(logs.String(), "stopped before the service answered") {
		t.Errorf("Serve(Ctrl-C during run) = %v, logs %q; want nil and a line saying it stopped", err, logs.String())
	}
	waitFile(t, made)
	assertNoContainers(t, e)
}

// waitFile waits for path to be made.
func waitFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not made within 30 s", path)
		}
	}
}

// serveForParent serves as the engine and image in spec say, until killed.
func serveForParent(spec string) {
	var s struct {
		Engine engine.Engine
		Local  engine.Local
		Port   int
	}
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		panic(err)
	}
	err := engine.Serve(context.Background(), engine.Choice{Engine: s.Engine}, s.Local, s.Port, os.Stdout, io.Discard)
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// killedRunLeavesNothing: kill -9 of a run leaves its container running
// (nothing can clean up after SIGKILL); the next run or smoke removes it,
// saying so.
func killedRunLeavesNothing(t *testing.T, e engine.Engine) {
	local := testengine.Dist(t, "../..")
	port := freePort(t)
	spec, _ := json.Marshal(map[string]any{"Engine": e, "Local": local, "Port": port})
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), "ENGINE_TEST_SERVE="+string(spec))
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		child.Process.Kill()
		child.Wait()
		t.Fatalf("the child run printed no URL: %v", err)
	}
	child.Process.Kill()
	child.Wait()
	if left := strings.Fields(testengine.Run(t, e, "ps", "--all", "--quiet")); len(left) != 1 {
		t.Fatalf("%s ps --all after kill -9 = %q, want the run's container", e.Name, left)
	}
	var log strings.Builder
	if _, err := engine.Smoke(t.Context(), engine.Choice{Engine: e}, local, &log); err != nil {
		t.Fatalf("Smoke after a killed run = %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "left by a run that was killed (pid "+strconv.Itoa(child.Process.Pid)+")") {
		t.Errorf("Smoke after a killed run: log %q, want it to say it removed the run's container", log.String())
	}
	assertNoContainers(t, e)
}
