package engine_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/testengine"
)

// rebuildReplaces: smoke of a rebuild (same tags, another image) runs the
// rebuild, byte for byte the image built, and the image it replaced goes:
// each rebuild left one without a tag behind.
func rebuildReplaces(t *testing.T, e engine.Engine) {
	local := testengine.Dist(t, "../..")
	rebuilt := rebuild(t, local)
	for _, l := range []engine.Local{local, rebuilt} {
		var log strings.Builder
		if _, err := engine.Smoke(t.Context(), engine.Choice{Engine: e}, l, &log); err != nil {
			t.Fatalf("Smoke(%s) = %v\n%s", l.Tarball, err, log.String())
		}
	}
	img, err := tarball.ImageFromPath(rebuilt.Tarball, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSpace(testengine.Run(t, e, "image", "inspect", "--format", "{{.Id}}", testengine.Tag))
	if strings.TrimPrefix(got, "sha256:") != want.Hex { // podman's IDs have no "sha256:"
		t.Errorf("%s image inspect %s = %s after a rebuild's smoke, want the rebuild's %s", e.Name, testengine.Tag, got, want)
	}
	if left := strings.Fields(testengine.Run(t, e, "images", "--quiet", "--filter", "dangling=true")); len(left) > 0 {
		t.Errorf("%s images --filter dangling=true = %q after a rebuild's smoke, want the replaced image gone", e.Name, left)
	}
}

// rebuild is local's image changed as a rebuild changes it (another
// creation time), in a tarball of its own with local's tags.
func rebuild(t *testing.T, local engine.Local) engine.Local {
	t.Helper()
	img, err := tarball.ImageFromPath(local.Tarball, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.CreatedAt(img, v1.Time{Time: cf.Created.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(local.Tarball) })
	if err != nil {
		t.Fatal(err)
	}
	refs := map[name.Tag]v1.Image{}
	for _, tag := range m[0].RepoTags {
		ref, err := name.NewTag(tag)
		if err != nil {
			t.Fatal(err)
		}
		refs[ref] = img
	}
	out := engine.Local{Layout: local.Layout, Tarball: filepath.Join(t.TempDir(), "image.tar")}
	if err := tarball.MultiWriteToFile(out.Tarball, refs); err != nil {
		t.Fatal(err)
	}
	return out
}
