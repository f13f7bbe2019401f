package image

import (
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// buildLayout builds the amd64 and arm64 image into a layout under a new
// temporary folder and returns the outputs and the index digest.
func buildLayout(t *testing.T, attachFn attachFunc) (ocilayout.Outputs, v1.Hash) {
	t.Helper()
	out := outputs(t.TempDir())
	d, _, err := build(t.Context(), resolve(t, "static"), fakeBinaries(t, amd64, arm64), meta, out, io.Discard, attachFn)
	if err != nil {
		t.Fatal(err)
	}
	return out, d
}

// Only artifacts carry an artifactType: the index's entries for its
// platform images do not (skopeo drops it, which changes the digest).
func TestIndexEntriesHaveNoArtifactType(t *testing.T) {
	out, _ := buildLayout(t, nil)
	idx, _, err := ocilayout.Read(out.Layout)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := idx.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "artifactType") {
		t.Errorf("the index names an artifactType:\n%s", raw)
	}
}

// Each platform image has a ref name of its own in index.json, beside the
// index's; a ref finds its entry, and no ref still finds the index.
func TestPlatformRefs(t *testing.T) {
	out, d := buildLayout(t, nil)
	idx, _, err := ocilayout.Read(out.Layout)
	if err != nil {
		t.Fatal(err)
	}
	digests := map[string]v1.Hash{"": d, "1.2.3": d}
	for _, p := range []v1.Platform{amd64, arm64} {
		img, err := platform.Image(idx, p)
		if err != nil {
			t.Fatal(err)
		}
		digests[ocilayout.PlatformRef("1.2.3", p)], _ = img.Digest()
	}
	top, err := layout.ImageIndexFromPath(out.Layout)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := top.IndexManifest()
	var refs []string
	for _, e := range im.Manifests {
		refs = append(refs, e.Annotations[ocispec.AnnotationRefName])
	}
	if diff := cmp.Diff([]string{"1.2.3", "1.2.3-linux-amd64", "1.2.3-linux-arm64"}, refs); diff != "" {
		t.Errorf("index.json ref names (-want +got):\n%s", diff)
	}
	for ref, want := range digests {
		t.Run(ref, func(t *testing.T) {
			spec := out.Layout
			if ref != "" {
				spec += ":" + ref
			}
			if e, err := ocilayout.Find(spec); err != nil || e.Digest != want {
				t.Errorf("ocilayout.Find(%q) = %v, %v; want %s", spec, e.Digest, err, want)
			}
		})
	}
	if _, err := ocilayout.Find(out.Layout + ":1.2.3-linux-s390x"); err == nil {
		t.Errorf("ocilayout.Find(a platform not built) = nil error")
	}
}

// Every file of the layout is readable by every user, every folder
// enterable: another user copies what root built.
func TestLayoutIsReadableByAll(t *testing.T) {
	out, _ := buildLayout(t, nil)
	n := 0
	err := filepath.WalkDir(out.Layout, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o644)
		if d.IsDir() {
			want = 0o755 | fs.ModeDir
		}
		if fi.Mode() != want {
			t.Errorf("%s mode %v, want %v", path, fi.Mode(), want)
		}
		n++
		return nil
	})
	if err != nil || n < 10 {
		t.Errorf("walking %s: %d entries, %v", out.Layout, n, err)
	}
}
