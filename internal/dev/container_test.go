package dev

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

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
	b, err := base.Resolve(ctx, "static", layer.Gzip)
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
// container of e, and that stopping dev leaves nothing in TMPDIR, which
// it returns.
func inContainer(t *testing.T, e engine.Engine) string {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where bundles and temporary files go: checked empty at the end
	r, err := engineRunner(t.Context(), engineSpec(t, e))
	if err != nil {
		t.Fatal(err)
	}
	dir := newModule(t)
	d := startDev(t, Config{Dir: dir, Runner: r})
	d.serves(t, "v1")
	d.save(t, dir, "v2")
	if n := reloads(d.logs.String()); n != 1 {
		t.Errorf("reload lines after one save = %d, want 1:\n%s", n, d.logs.String())
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR after stopping: %v, want nothing", left)
	}
	return tmp
}

// With DEV_CONTAINER=1 under runc each version runs as run runs it, and
// stopping leaves no container and no bundle.
func TestInContainerRunc(t *testing.T) {
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
	tmp := inContainer(t, c.Engine)
	out, err := exec.Command("runc", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("runc list: %v: %s", err, out)
	}
	if strings.Contains(string(out), tmp) {
		t.Errorf("runc list after stopping has a container of this test:\n%s", out)
	}
}
