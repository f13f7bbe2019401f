package engine_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/health"
	"github.com/lehus1/devops-info-service-go/internal/testengine"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// versions: Versions are what dev swaps: two run side by side, each with
// its own image tag; one that exits says so; Stop gives the service its
// SIGTERM (it says it shuts down) and removes the container and its tag;
// Prepare removes the tag a killed dev left, saying so.
func versions(t *testing.T, e engine.Engine) {
	c := engine.Choice{Engine: e}
	img, err := testengine.Dist(t, "../..").Image()
	if err != nil {
		t.Fatal(err)
	}
	// A tag of a dev that was killed: its pid is gone.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	// The first runs through a client that notes each call's verb.
	logged, calls := loggedCalls(t, c)
	var firstLogs testenv.Buffer
	first := start(t, logged, img, &firstLogs)
	stale := engine.DevRepository + ":" + engine.DevTagOf(dead.Process.Pid, "gone")
	testengine.Run(t, e, "tag", devTags(t, e)[0], stale)
	var log strings.Builder
	if err := engine.Prepare(t.Context(), c, &log); err != nil {
		t.Fatalf("Prepare() = %v", err)
	}
	if !strings.Contains(log.String(), "removed image tag "+stale) {
		t.Errorf("Prepare() log = %q, want it to say it removed %s", log.String(), stale)
	}
	second := start(t, c, img, io.Discard)
	if got := devTags(t, e); len(got) != 2 {
		t.Errorf("%s images of two versions = %q, want one tag each", e.Name, got)
	}
	testengine.Run(t, e, "kill", second.ContainerName())
	select {
	case <-second.Done():
	case <-time.After(30 * time.Second):
		t.Fatalf("Done() not closed 30 s after the container was killed")
	}
	if got := second.Exited(); !strings.Contains(got, second.ContainerName()) {
		t.Errorf("Exited() = %q, want it to name the container", got)
	}
	before := calls()
	for _, v := range []*engine.Version{first, second} {
		if err := v.Stop(5 * time.Second); err != nil {
			t.Errorf("Stop(%s) = %v", v.URL, err)
		}
	}
	// dev's last stop after a Ctrl-C must be done within mage's 5 s: no
	// call it can do without (stop's inspect, for the exit status).
	if got := strings.Join(calls()[len(before):], " "); got != "stop rm rmi" {
		t.Errorf("the client calls of Stop = %q, want \"stop rm rmi\"", got)
	}
	if got := devTags(t, e); len(got) != 0 {
		t.Errorf("%s images after Stop = %q, want no tag left", e.Name, got)
	}
	if !strings.Contains(firstLogs.String(), "shutting down") {
		t.Errorf("the service's logs after Stop = %q, want its SIGTERM's \"shutting down\"", firstLogs.String())
	}
	assertNoContainers(t, e)
}

// start starts img as a version on a free port, its logs going to logs,
// and waits, as dev does, for it to answer /health: Start returns once
// the container runs.
func start(t *testing.T, c engine.Choice, img v1.Image, logs io.Writer) *engine.Version {
	t.Helper()
	v, err := engine.Start(t.Context(), c, img, freePort(t), logs)
	if err != nil {
		t.Fatalf("Start() = %v", err)
	}
	t.Cleanup(func() { v.Stop(time.Second) })
	ctx, cancel := context.WithTimeoutCause(t.Context(), 30*time.Second, errors.New("no answer within 30 s"))
	defer cancel()
	if err := health.Wait(ctx, v.URL+"/health", 20*time.Millisecond, v.Done(), func() error { return errors.New(v.Exited()) }); err != nil {
		t.Fatalf("GET %s/health: %v", v.URL, err)
	}
	return v
}

// loggedCalls is c through a client that writes each call's first
// argument to a file, and a function that reads them back.
func loggedCalls(t *testing.T, c engine.Choice) (engine.Choice, func() []string) {
	dir := t.TempDir()
	script, log := filepath.Join(dir, c.Name), filepath.Join(dir, "calls")
	body := "#!/bin/sh\necho \"$1\" >>" + log + "\nexec " + strings.Join(append([]string{c.Path}, c.Args...), " ") + ` "$@"` + "\n" // paths without spaces
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	c.Path, c.Args = script, nil
	return c, func() []string {
		data, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Fields(string(data))
	}
}

// devTags are the tags Start gave the images it loaded into e. Podman
// also lists the other names of an image it finds (build's, which the
// engine's other tests loaded), which are not Start's.
func devTags(t *testing.T, e engine.Engine) []string {
	t.Helper()
	var tags []string
	for _, tag := range strings.Fields(testengine.Run(t, e, "images", "--format", "{{.Repository}}:{{.Tag}}", engine.DevRepository)) {
		if strings.HasPrefix(tag, engine.DevRepository+":") {
			tags = append(tags, tag)
		}
	}
	return tags
}
