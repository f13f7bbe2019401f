package engine_test

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/health"
	"github.com/lehus1/devops-info-service-go/internal/testengine"
)

// versions: Versions are what dev swaps: two run side by side, each with
// its own image tag; one that exits says so; Stop removes the container
// and its tag, and Prepare removes the tag a killed dev left, saying so.
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
	first := start(t, c, img)
	stale := engine.DevRepository + ":" + engine.DevTagOf(dead.Process.Pid, "gone")
	testengine.Run(t, e, "tag", devTags(t, e)[0], stale)
	var log strings.Builder
	if err := engine.Prepare(t.Context(), c, &log); err != nil {
		t.Fatalf("Prepare() = %v", err)
	}
	if !strings.Contains(log.String(), "removed image tag "+stale) {
		t.Errorf("Prepare() log = %q, want it to say it removed %s", log.String(), stale)
	}
	second := start(t, c, img)
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
	for _, v := range []*engine.Version{first, second} {
		if err := v.Stop(5 * time.Second); err != nil {
			t.Errorf("Stop(%s) = %v", v.URL, err)
		}
	}
	if got := devTags(t, e); len(got) != 0 {
		t.Errorf("%s images after Stop = %q, want no tag left", e.Name, got)
	}
	assertNoContainers(t, e)
}

// start starts img as a version on a free port and waits, as dev does,
// for it to answer /health: Start returns once the container runs.
func start(t *testing.T, c engine.Choice, img v1.Image) *engine.Version {
	t.Helper()
	v, err := engine.Start(t.Context(), c, img, freePort(t), io.Discard)
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
