package dist_test

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/dist"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/settings"
)

var (
	sharedOnce sync.Once
	sharedCfg  settings.Settings
	sharedD    v1.Hash
	sharedLog  string
)

// shared is one build of both platforms (config's defaults), assembled
// once for the tests that only read it, in sharedDir; its settings, the
// digest and what Assemble logged.
func shared(t *testing.T) (settings.Settings, v1.Hash, string) {
	t.Helper()
	sharedOnce.Do(func() {
		sharedCfg = config(t, sharedDir, nil)
		sharedD, sharedLog = assemble(t, sharedCfg, resolve(t, sharedCfg))
	})
	if sharedD == (v1.Hash{}) {
		t.Fatal("the shared build failed in an earlier test")
	}
	return sharedCfg, sharedD, sharedLog
}

// sharedOutputs are the shared build's outputs and its digest.
func sharedOutputs(t *testing.T) (ocilayout.Outputs, v1.Hash) {
	t.Helper()
	cfg, d, _ := shared(t)
	return cfg.Outputs(), d
}

// The layout names the index by the version, holds a valid index and the
// tarball, and only artifacts carry an artifactType: the index's entries
// for its platform images do not (skopeo drops it, which changes the
// digest).
func TestLayout(t *testing.T) {
	t.Parallel()
	out, d := sharedOutputs(t)
	idx, desc, err := ocilayout.Read(out.Layout)
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest != d || desc.Annotations[ocispec.AnnotationRefName] != "1.2.3" {
		t.Errorf("layout index.json entry = %v %v, want digest %s named 1.2.3", desc.Digest, desc.Annotations, d)
	}
	if err := validate.Index(idx); err != nil {
		t.Errorf("validate.Index: %v", err)
	}
	raw, err := idx.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "artifactType") {
		t.Errorf("the index names an artifactType:\n%s", raw)
	}
	if _, err := os.Stat(out.Tarball); err != nil {
		t.Errorf("docker tarball: %v", err)
	}
}

// Each platform's SBOM lands in the layout as an artifact whose subject
// is its platform's manifest, read back whole.
func TestAttachments(t *testing.T) {
	t.Parallel()
	out, _ := sharedOutputs(t)
	idx := read(t, out.Layout)
	if err := ocilayout.Verify(out.Layout); err != nil {
		t.Errorf("ocilayout.Verify() = %v", err)
	}
	arts, err := ocilayout.Artifacts(out.Layout)
	if err != nil || len(arts) != 2 {
		t.Fatalf("ocilayout.Artifacts() = %d, %v; want 2", len(arts), err)
	}
	im, _ := idx.IndexManifest()
	for i, a := range arts {
		subject, err := a.Subject()
		if err != nil || subject != im.Manifests[i].Digest {
			t.Errorf("artifact %d subject = %s, %v; want %s", i, subject, err, im.Manifests[i].Digest)
		}
		if a.Descriptor.ArtifactType != "application/spdx+json" || len(a.Blobs) != 3 {
			t.Errorf("artifact %d = %s with %d blobs, want an SPDX artifact with config, document and manifest", i, a.Descriptor.ArtifactType, len(a.Blobs))
		}
	}
}

// A binary the SBOM cannot describe fails the build, and no layout is
// written.
func TestAssembleWithoutSBOMFails(t *testing.T) {
	t.Parallel()
	cfg := config(t, t.TempDir(), map[string]string{"PLATFORMS": platform.Name(local)})
	path := filepath.Join(t.TempDir(), "devops-info-service")
	if err := os.WriteFile(path, []byte("#!not a Go binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	bins := []binary.Artifact{{Platform: local, Path: path, SHA256: strings.Repeat("0", 64), Size: 17}}
	if _, err := dist.Assemble(t.Context(), cfg, resolve(t, cfg), bins, io.Discard); err == nil || !strings.Contains(err.Error(), "SBOM") {
		t.Errorf("Assemble(not a Go binary) = %v, want an SBOM error", err)
	}
	if _, err := os.Stat(cfg.Outputs().Layout); !os.IsNotExist(err) {
		t.Errorf("a failed build left %s: %v", cfg.Outputs().Layout, err)
	}
}

// Each platform image has a ref name of its own in index.json, beside the
// index's; a ref finds its entry, and no ref still finds the index.
func TestPlatformRefs(t *testing.T) {
	t.Parallel()
	out, d := sharedOutputs(t)
	idx := read(t, out.Layout)
	digests := map[string]v1.Hash{"": d, "1.2.3": d}
	var wantRefs []string
	for _, p := range []v1.Platform{local, other} {
		img, err := platform.Image(idx, p)
		if err != nil {
			t.Fatal(err)
		}
		ref := ocilayout.PlatformRef("1.2.3", p)
		digests[ref], _ = img.Digest()
		wantRefs = append(wantRefs, ref)
	}
	top, err := layout.ImageIndexFromPath(out.Layout)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := top.IndexManifest()
	var refs []string
	for _, e := range im.Manifests {
		if e.ArtifactType == "" {
			refs = append(refs, e.Annotations[ocispec.AnnotationRefName])
		}
	}
	if diff := cmp.Diff(append([]string{"1.2.3"}, wantRefs...), refs); diff != "" {
		t.Errorf("index.json ref names (-want +got):\n%s", diff)
	}
	for ref, want := range digests {
		spec := out.Layout
		if ref != "" {
			spec += ":" + ref
		}
		if e, err := ocilayout.Find(spec); err != nil || e.Digest != want {
			t.Errorf("ocilayout.Find(%q) = %v, %v; want %s", spec, e.Digest, err, want)
		}
	}
	if _, err := ocilayout.Find(out.Layout + ":1.2.3-linux-s390x"); err == nil {
		t.Errorf("ocilayout.Find(a platform not built) = nil error")
	}
}

// Every file of the layout is readable by every user, every folder
// enterable: another user copies what root built.
func TestLayoutIsReadableByAll(t *testing.T) {
	t.Parallel()
	out, _ := sharedOutputs(t)
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

// read is the index the layout at dir names.
func read(t *testing.T, dir string) v1.ImageIndex {
	t.Helper()
	idx, _, err := ocilayout.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}
