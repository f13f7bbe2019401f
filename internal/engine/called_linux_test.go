package engine_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/testengine"
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
