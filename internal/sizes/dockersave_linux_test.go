package sizes_test

import (
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/sizes"
	"github.com/lehus1/devops-info-service-go/internal/testengine"
)

// docs/sizecompare.md's own-baseline recipe, with a real dockerd of the
// test's own: `docker save my-python-app -o py.tar`, then
// BASELINE=docker-archive:py.tar. Here "my-python-app" is the service's
// own image, so both sides unpack to the same files.
func TestDockerSaveBaseline(t *testing.T) {
	py := filepath.Join(t.TempDir(), "py.tar")
	var local engine.Local
	// dockerd, and the machine's one lock on it, only for the save: the
	// comparison after it, seconds of CPU under -race, more on a busy machine,
	// needs no daemon, and other test binaries wait for that lock.
	saved := false // false too when the save was skipped (-short, no docker), which it says
	t.Run("docker save", func(t *testing.T) {
		var e engine.Engine
		e, local = testengine.DockerWithDist(t, "../..")
		testengine.Run(t, e, "tag", testengine.Tag, "my-python-app")
		testengine.Run(t, e, "save", "my-python-app", "-o", py)
		saved = true
	})
	if !saved {
		return
	}
	if _, err := os.Stat(py); err != nil {
		t.Fatal(err)
	}
	r, err := sizes.Compare(t.Context(), sizes.Request{Image: "oci:" + local.Layout, Baseline: "docker-archive:" + py, Platforms: []v1.Platform{platform.Local()}, Depth: sizes.Full})
	if err != nil {
		t.Fatalf("Compare(oci:dist/oci, docker-archive:py.tar) = %v", err)
	}
	c := r.Comparisons[0]
	if c.Baseline.Origin != "docker-archive" || c.Baseline.Uncompressed == nil || c.Image.Uncompressed == nil || *c.Baseline.Uncompressed != *c.Image.Uncompressed {
		t.Errorf("Compare(…, docker-archive:py.tar) baseline = %+v, want the docker save archive, unpacking to the image's %v bytes", c.Baseline, c.Image.Uncompressed)
	}
}
