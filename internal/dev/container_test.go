package dev

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/container"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// With DEV_CONTAINER=1 each version runs as run runs it, and Ctrl-C
// leaves no container and no bundle.
func TestInContainer(t *testing.T) {
	testenv.MustHaveExec(t, "runc", "apt-get install runc")
	if err := container.Available(); err != nil {
		testenv.Need(t, err.Error())
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the bundles go: checked empty at the end
	b, err := base.Resolve(t.Context(), "static", layer.Gzip)
	if err != nil {
		t.Fatal(err)
	}
	r, err := InContainer(b, image.Metadata{Title: "devops-info-service", Version: testInfo.Version})
	if err != nil {
		t.Fatal(err)
	}
	dir := realModule(t)
	d := startDev(t, Config{Dir: dir, Runner: r})
	desc, _ := description(t, d.url)
	edit(t, filepath.Join(dir, "app", "info.go"), desc, desc+" (in a container)")
	waitFor(t, "the edit to be served", func() bool {
		got, _ := description(t, d.url)
		return got == desc+" (in a container)"
	})
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR after stopping: %v, want nothing", left)
	}
	out, err := exec.Command("runc", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("runc list: %v: %s", err, out)
	}
	if strings.Contains(string(out), tmp) {
		t.Errorf("runc list after stopping has a container of this test:\n%s", out)
	}
}
