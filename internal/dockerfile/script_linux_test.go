package dockerfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/testengine"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// The workflow's dockerfile job runs scripts/ci/compare-dockerfile-image
// from the repository root; here it runs from elsewhere, against a dockerd
// of the test's own holding the pipeline's image: the image as built
// matches, and the same image with its user changed does not.
func TestCompareDockerfileImageScript(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		testenv.SkipLoudly(t, "compare-config.go compares linux/amd64 images, this machine builds "+runtime.GOARCH)
	}
	e, local := testengine.DockerWithDist(t, "../..")
	testengine.Run(t, e, "create", "--name", "changed", testengine.Tag)
	testengine.Run(t, e, "commit", "--change", "USER 0:0", "changed", "localhost/changed:1")
	path, err := filepath.Abs("../../scripts/ci/compare-dockerfile-image")
	if err != nil {
		t.Fatal(err)
	}
	script := func(image string) (string, error) {
		cmd := exec.Command(path, image)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+dockerHost(e), "LAYOUT="+local.Layout)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := script(testengine.Tag); err != nil || !strings.Contains(out, "the runtime configs match") {
		t.Errorf("compare-dockerfile-image %s = %v:\n%s\nwant a match", testengine.Tag, err, out)
	}
	if out, err := script("localhost/changed:1"); err == nil || !strings.Contains(out, "the runtime configs differ") || !strings.Contains(out, `"user":"0:0"`) {
		t.Errorf("compare-dockerfile-image with USER 0:0 = %v:\n%s\nwant exit 1, the configs differ", err, out)
	}
}

// dockerHost is DOCKER_HOST for the docker client e.
func dockerHost(e engine.Engine) string {
	return e.Args[slices.Index(e.Args, "--host")+1]
}
