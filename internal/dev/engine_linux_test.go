package dev

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/testengine"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// dev with DEV_CONTAINER=1 under Docker and under Podman, the engines
// side by side: each starts once for the four cases, which run one after
// another and each leave it as a fresh one is, without a container or an
// image (assertEngineEmpty), so the next starts as on a fresh engine.
func TestInEngine(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service and starts dockerd and podman")
	t.Parallel()
	testengine.Share(t, []testengine.Case{
		{Name: "SaveIsServed", Test: saveIsServedInEngine},
		{Name: "CtrlC", Test: ctrlCInEngine},
		{Name: "KilledDevLeavesNothing", Test: killedDevLeavesNothing},
		{Name: "MageDevChoosesEngine", Test: mageDevChoosesEngine},
		{Name: "CtrlCWhileStoppingTheOldVersion", Test: ctrlCWhileStoppingInEngine},
		{Name: "HungVersion", Test: hungVersionInEngine},
	})
}

// A version that never answers /health is given up after dev's own wait
// (Config.Ready), as under runc and as a process; it waited run's 30 s.
// The last good one goes on serving, and stopping leaves no container and
// no image.
func hungVersionInEngine(t *testing.T, e engine.Engine) {
	dir, tmp := newModule(t), t.TempDir()
	// dev's wait, 10 s by default, is 3 s here.
	cmd, stderr, lines := devProcess(t, dir, tmp, "DEV_TEST_ENGINE="+engineSpec(t, e), "DEV_TEST_READY=3s")
	d := running{url: firstLine(t, lines, stderr)}
	d.serves(t, "v1")
	testenv.WriteFile(t, filepath.Join(dir, "app", "hang.go"), "package main\n\nimport \"time\"\n\nfunc init() { time.Sleep(time.Hour) }\n")
	waitFor(t, "the hung version to be given up", func() bool {
		return strings.Contains(stderr.String(), "dev: the new version did not start")
	})
	if want := "/health within 3s; the last good version is still serving"; !strings.Contains(stderr.String(), want) {
		t.Errorf("dev's log after a version that hung:\n%s\nwant %q", stderr.String(), want)
	}
	stillServes(t, d.url, "v1", "a version that hung")
	interrupt(t, cmd, stderr, tmp)
	assertEngineEmpty(t, e)
}

// A Ctrl-C at the terminal while the engine's client stops the old
// version of a swap leaves it stopped and removed, with no failure said,
// and no container and no image.
func ctrlCWhileStoppingInEngine(t *testing.T, e engine.Engine) {
	dir, mark := pausing(t, e.Name, "stop", slices.Concat([]string{e.Path}, e.Args)...)
	ctrlCWhileStopping(t, engine.Engine{Name: e.Name, Path: filepath.Join(dir, e.Name)}, mark)
	assertEngineEmpty(t, e)
}

// A save is served from a new container, and stopping dev leaves no
// container, no image and no file.
func saveIsServedInEngine(t *testing.T, e engine.Engine) {
	inContainer(t, e)
	assertEngineEmpty(t, e)
}

// Ctrl-C, sent as a terminal sends it to dev and the engine's clients
// alike, stops the container serving, and leaves no container, no image
// and no file.
func ctrlCInEngine(t *testing.T, e engine.Engine) {
	dir, tmp := newModule(t), t.TempDir()
	cmd, stderr, lines := devProcess(t, dir, tmp, "DEV_TEST_ENGINE="+engineSpec(t, e))
	d := running{url: firstLine(t, lines, stderr)}
	d.serves(t, "v1")
	d.save(t, dir, "v2")
	interrupt(t, cmd, stderr, tmp)
	assertEngineEmpty(t, e)
}

// engineEmpty says whether e, started for t alone, holds no container
// and no image.
func engineEmpty(t *testing.T, e engine.Engine) bool {
	t.Helper()
	return strings.TrimSpace(testengine.Run(t, e, "ps", "--all", "--quiet")+testengine.Run(t, e, "images", "--all", "--quiet")) == ""
}

// assertEngineEmpty fails t if e, started for t alone, holds a container
// or an image a minute on: a stop that took longer than dev waits for
// goes on after it exits (engine.HandOff), as on a loaded machine.
func assertEngineEmpty(t *testing.T, e engine.Engine) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !engineEmpty(t, e) && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	for _, args := range [][]string{
		{"ps", "--all", "--format", "{{.ID}} {{.Names}}"},
		{"images", "--all", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"},
	} {
		if left := strings.TrimSpace(testengine.Run(t, e, args...)); left != "" {
			t.Errorf("%s %s --all after dev stopped:\n%s\nwant nothing", e.Name, args[0], left)
		}
	}
}

// kill -9 of dev leaves its container and its image's tag (nothing can
// clean up after SIGKILL); the next dev removes both, saying so.
func killedDevLeavesNothing(t *testing.T, e engine.Engine) {
	cmd, stderr, lines := devProcess(t, newModule(t), t.TempDir(), "DEV_TEST_ENGINE="+engineSpec(t, e))
	firstLine(t, lines, stderr)
	// The engine's clients dev started outlive it, holding its
	// stderr: Wait waits a second for them, not until they end.
	cmd.WaitDelay = time.Second
	cmd.Process.Kill()
	cmd.Wait()
	if left := strings.Fields(testengine.Run(t, e, "ps", "--all", "--quiet")); len(left) != 1 {
		t.Fatalf("%s ps --all after kill -9 = %q, want dev's container", e.Name, left)
	}
	var log strings.Builder
	if err := engine.Prepare(t.Context(), engine.Choice{Engine: e}, &log); err != nil {
		t.Fatalf("Prepare after a killed dev = %v\n%s", err, log.String())
	}
	pid := "(pid " + strconv.Itoa(cmd.Process.Pid) + ")"
	for _, want := range []string{"left by a run that was killed " + pid, "left by a dev that was killed " + pid} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("Prepare after a killed dev: log %q, want %q", log.String(), want)
		}
	}
	assertEngineEmpty(t, e)
}
