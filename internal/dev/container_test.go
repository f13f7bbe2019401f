//go:build !windows

package dev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/container"
	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// engineRunner is InContainer with the engine spec describes (JSON, as
// engineSpec writes it), or nil for a plain process when spec is "".
func engineRunner(ctx context.Context, spec string) (Runner, error) {
	if spec == "" {
		return nil, nil
	}
	var e engine.Engine
	if err := json.Unmarshal([]byte(spec), &e); err != nil {
		return nil, err
	}
	b, err := base.Resolve(ctx, "static", layer.Uncompressed) // as devContainer
	if err != nil {
		return nil, err
	}
	return InContainer(ctx, engine.Choice{Engine: e, Why: "a test's"}, b, image.Metadata{Title: "devops-info-service", Version: testInfo.Version}, os.Stderr)
}

// engineSpec is e for engineRunner.
func engineSpec(t *testing.T, e engine.Engine) string {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// inContainer checks that a save is served when each version runs in a
// container of e, and that stopping dev (SIGINT to dev alone, which
// cancels Run's context) leaves nothing in TMPDIR, which it returns. dev
// runs as a process of its own with a TMPDIR of its own, so that the test
// runs beside others.
func inContainer(t *testing.T, e engine.Engine) string {
	t.Helper()
	dir, tmp := newModule(t), t.TempDir()
	cmd, stderr, lines := devProcess(t, dir, tmp, "DEV_TEST_ENGINE="+engineSpec(t, e))
	d := running{url: firstLine(t, lines, stderr), logs: stderr}
	d.serves(t, "v1")
	d.save(t, dir, "v2")
	if n := reloads(stderr.String()); n != 1 {
		t.Errorf("reload lines after one save = %d, want 1:\n%s", n, stderr.String())
	}
	cmd.Process.Signal(os.Interrupt)
	exits(t, cmd, stderr, tmp, "SIGINT to dev alone", 30*time.Second)
	return tmp
}

// With DEV_CONTAINER=1 under runc each version runs as run runs it, and
// stopping leaves no container and no bundle.
func TestInContainerRunc(t *testing.T) {
	t.Parallel()
	tmp := inContainer(t, needRunc(t))
	assertNoRuncContainer(t, tmp, "stopping")
}

// needRunc is runc as ENGINE=runc chooses it, or a skip (a failure in CI)
// where it cannot run containers.
func needRunc(t *testing.T) engine.Engine {
	t.Helper()
	if errors.Is(container.Available(), container.ErrNeedsLinux) {
		t.Skip("runc needs Linux")
	}
	testenv.MustHaveExec(t, "runc", "apt-get install runc")
	if err := container.Available(); err != nil {
		testenv.Need(t, err.Error())
	}
	c, err := engine.Choose(engine.Runc, engine.ThisHost())
	if err != nil {
		t.Fatal(err)
	}
	return c.Engine
}

// assertNoRuncContainer fails t if runc still knows a container whose
// bundle is in tmp, after what.
func assertNoRuncContainer(t *testing.T, tmp, after string) {
	t.Helper()
	// runc list fails when a container of another test is deleted between
	// its reading the state folder and each container's state: asked again.
	out, err := exec.Command("runc", "list").CombinedOutput()
	for try := 0; err != nil && try < 20; try++ {
		time.Sleep(50 * time.Millisecond)
		out, err = exec.Command("runc", "list").CombinedOutput()
	}
	if err != nil {
		t.Fatalf("runc list: %v: %s", err, out)
	}
	if strings.Contains(string(out), tmp) {
		t.Errorf("runc list after %s has a container of this test:\n%s", after, out)
	}
}

// A Ctrl-C at the terminal reaches every process of dev's group: one that
// comes while dev asks runc to stop the old version of a swap must not cut
// that runc short. It did: `runc kill` died of the SIGINT, and dev said
// "dev: stopping the old version: sending SIGTERM to ...: signal:
// interrupt" on its way out.
func TestCtrlCWhileRuncStopsTheOldVersion(t *testing.T) {
	t.Parallel()
	e := needRunc(t)
	wrap, mark := pausing(t, "runc", "kill", e.Path)
	tmp := ctrlCWhileStopping(t, e, mark, "PATH="+wrap+string(os.PathListSeparator)+os.Getenv("PATH"))
	assertNoRuncContainer(t, tmp, "Ctrl-C during runc kill")
}

// pausing writes a program name in a new folder, which it returns: the
// command line real, but the first time its first argument is command it
// makes the folder mark first, and waits two seconds.
func pausing(t *testing.T, name, command string, real ...string) (dir, mark string) {
	t.Helper()
	dir, mark = t.TempDir(), filepath.Join(t.TempDir(), command)
	testenv.WriteFile(t, filepath.Join(dir, name), fmt.Sprintf(
		"#!/bin/sh\nif [ \"$1\" = %s ] && mkdir %q 2>/dev/null; then sleep 1; fi\nexec %s \"$@\"\n",
		command, mark, strings.Join(real, " ")))
	if err := os.Chmod(filepath.Join(dir, name), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, mark
}

// ctrlCWhileStopping saves a change in a dev whose versions run on e, with
// env added, sends Ctrl-C to dev's group once the swap's stop of the old
// version has made the folder mark (pausing), and checks that dev stops
// cleanly, leaving nothing in its TMPDIR, which it returns, and that the
// old version was stopped without a failure.
func ctrlCWhileStopping(t *testing.T, e engine.Engine, mark string, env ...string) string {
	t.Helper()
	dir, tmp := newModule(t), t.TempDir()
	cmd, stderr, lines := devProcess(t, dir, tmp, append(env, "DEV_TEST_ENGINE="+engineSpec(t, e))...)
	d := running{url: firstLine(t, lines, stderr)}
	d.serves(t, "v1")
	d.save(t, dir, "v2") // the swap stops v1's container
	waitFor(t, "the old version's stop", func() bool {
		_, err := os.Stat(mark)
		return err == nil
	})
	interrupt(t, cmd, stderr, tmp)
	if strings.Contains(stderr.String(), "dev: stopping the old version") {
		t.Errorf("dev's log after Ctrl-C while %s stopped the old version:\n%s\nwant no failure to stop it", e.Name, stderr.String())
	}
	return tmp
}
