package engine_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/testengine"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// clientCalledDocker: a client on PATH as docker is chosen as the engine
// it is, and smoke passes through it: Podman's own docker (podman-docker,
// as Fedora and RHEL install it) as Podman, which needs its own flags.
func clientCalledDocker(t *testing.T, e engine.Engine) {
	docker := filepath.Join(t.TempDir(), "docker")
	script := "#!/bin/sh\nexec " + strings.Join(append([]string{e.Path}, e.Args...), " ") + ` "$@"` + "\n" // paths without spaces
	if err := os.WriteFile(docker, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	h := engine.ThisHost()
	h.Root, h.LookPath = false, func(name string) (string, error) {
		if name == engine.Docker {
			return docker, nil
		}
		return "", exec.ErrNotFound
	}
	c, err := engine.Choose("", h)
	if err != nil || c.Name != e.Name {
		t.Fatalf("Choose() with %s's client as docker = %v, %v; want %s", e.Name, c, err, e.Name)
	}
	var log strings.Builder
	if _, err := engine.Smoke(t.Context(), c, testengine.Dist(t, "../.."), &log); err != nil {
		t.Errorf("Smoke(%s) = %v\n%s", c, err, log.String())
	}
	assertNoContainers(t, e)
}

// dockerClientOnPodman: Docker's client speaking to Podman's API (Podman
// Desktop's docker socket, `podman system service`) serves, and leaves no
// container: Podman needs its flags whichever client asks.
func dockerClientOnPodman(t *testing.T, e engine.Engine) {
	cli := testenv.MustHaveExec(t, "docker", "apt-get install docker.io")
	sock := filepath.Join(t.TempDir(), "podman.sock")
	service := exec.Command(e.Path, append(e.Args, "system", "service", "--time=0", "unix://"+sock)...)
	if err := service.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		service.Process.Signal(syscall.SIGTERM)
		if err := service.Wait(); err != nil {
			t.Logf("podman system service: %v", err)
		}
	})
	d := engine.Engine{Name: engine.Docker, Path: cli, Args: []string{"--host", "unix://" + sock}}
	for deadline := time.Now().Add(30 * time.Second); d.Ping(t.Context()) != nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Podman's API not answering on %s within 30 s", sock)
		}
	}
	local, port := testengine.Dist(t, "../.."), freePort(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout, w := io.Pipe()
	var logs testenv.Buffer // the service's logs are copied in as Serve writes
	done := make(chan error, 1)
	go func() { done <- engine.Serve(ctx, engine.Choice{Engine: d}, local, port, w, &logs); w.Close() }()
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatalf("Serve(docker on Podman's API) printed no URL: %v, %v\n%s", err, <-done, logs.String())
	}
	go io.Copy(io.Discard, stdout)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve(docker on Podman's API) after Ctrl-C = %v, want nil", err)
	}
	assertNoContainers(t, e)
}
