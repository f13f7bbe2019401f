package dist_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/lehus1/devops-info-service-go/internal/dist"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/testdist"
)

// A second build of the same inputs reuses the outputs; a new revision, a
// new compression or a damaged layout builds again.
func TestReuse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// One platform proves what two would: the inputs are compared whole.
	cfg := config(t, dir, map[string]string{"BASE_IMAGE": "scratch", "PLATFORMS": platform.Name(local)})
	b := resolve(t, cfg)
	first, _ := assemble(t, cfg, b)
	second, log := assemble(t, cfg, b)
	if second != first || !strings.Contains(log, "image unchanged: reusing "+cfg.Outputs().Layout) {
		t.Errorf("second Assemble() = %s, logging %q; want %s reused", second, log, first)
	}
	changed := cfg
	changed.Version.Commit = "fedcba"
	if _, log := assemble(t, changed, b); strings.Contains(log, "image unchanged") {
		t.Errorf("Assemble() with a new revision reused the old image: %q", log)
	}
	zstd := config(t, dir, map[string]string{"BASE_IMAGE": "scratch", "COMPRESSION": "zstd", "PLATFORMS": platform.Name(local)})
	zstd.Version.Commit = "fedcba"
	if _, log := assemble(t, zstd, resolve(t, zstd)); strings.Contains(log, "image unchanged") {
		t.Errorf("Assemble() after a compression change reused the old image: %q", log)
	}
	// A damaged layout is built again, not trusted.
	img, _ := platform.Image(read(t, cfg.Outputs().Layout), local)
	layers, _ := img.Layers()
	h, _ := layers[len(layers)-1].Digest()
	if err := os.Remove(filepath.Join(cfg.Outputs().Layout, "blobs", h.Algorithm, h.Hex)); err != nil {
		t.Fatal(err)
	}
	if _, log := assemble(t, zstd, resolve(t, zstd)); strings.Contains(log, "image unchanged") {
		t.Errorf("Assemble() over a damaged layout reused it: %q", log)
	}
}

// ocilayout.Verify finds every kind of damage, and a damaged layout is not
// reusable.
func TestDamagedLayoutIsNotReused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string, img v1.Image)
	}{
		{"layer truncated", func(t *testing.T, dir string, img v1.Image) {
			layers, _ := img.Layers()
			h, _ := layers[len(layers)-1].Digest()
			p := filepath.Join(dir, "blobs", h.Algorithm, h.Hex)
			fi, _ := os.Stat(p)
			os.Truncate(p, fi.Size()/2)
		}},
		{"layer edited", func(t *testing.T, dir string, img v1.Image) {
			layers, _ := img.Layers()
			h, _ := layers[len(layers)-1].Digest()
			f, _ := os.OpenFile(filepath.Join(dir, "blobs", h.Algorithm, h.Hex), os.O_RDWR, 0)
			f.WriteAt([]byte("evil"), 100)
			f.Close()
		}},
		{"config edited", func(t *testing.T, dir string, img v1.Image) {
			h, _ := img.ConfigName()
			p := filepath.Join(dir, "blobs", h.Algorithm, h.Hex)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(data, []byte("65532"), []byte("00000"), 1), 0o644)
		}},
		{"config gone", func(t *testing.T, dir string, img v1.Image) {
			h, _ := img.ConfigName()
			os.Remove(filepath.Join(dir, "blobs", h.Algorithm, h.Hex))
		}},
		{"index.json garbage", func(t *testing.T, dir string, img v1.Image) {
			os.WriteFile(filepath.Join(dir, "index.json"), []byte("{"), 0o644)
		}},
	}
	// One build, copied for each kind of damage.
	built := config(t, t.TempDir(), map[string]string{"PLATFORMS": platform.Name(local)})
	b := resolve(t, built)
	assemble(t, built, b)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := built
			cfg.Dir = t.TempDir()
			if err := os.CopyFS(cfg.Dir, os.DirFS(built.Dir)); err != nil {
				t.Fatal(err)
			}
			out := cfg.Outputs()
			if err := ocilayout.Verify(out.Layout); err != nil {
				t.Fatalf("ocilayout.Verify(fresh layout) = %v", err)
			}
			img, _ := platform.Image(read(t, out.Layout), local)
			tt.damage(t, out.Layout, img)
			if err := ocilayout.Verify(out.Layout); err == nil || !strings.Contains(err.Error(), "is damaged") {
				t.Errorf("ocilayout.Verify(%s) = %v, want a damage error", tt.name, err)
			}
			if _, _, ok := image.Reusable(b, testdist.Binaries(t, local), cfg.Metadata(), out); ok {
				t.Errorf("a layout with %s is reusable", tt.name)
			}
		})
	}
}

// The layout and the tarball are readable by all; a build without the
// local platform drops the tarball an earlier one wrote.
func TestOutputsAndStaleTarball(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := config(t, dir, map[string]string{"BASE_IMAGE": "scratch", "PLATFORMS": platform.Name(local)})
	out := cfg.Outputs()
	assemble(t, cfg, resolve(t, cfg))
	for path, want := range map[string]os.FileMode{out.Layout: 0o755 | os.ModeDir, out.Tarball: 0o644} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: %v, %v; want mode %v", path, fi, err, want)
		}
	}
	noTar := config(t, dir, map[string]string{"BASE_IMAGE": "scratch", "PLATFORMS": platform.Name(other)})
	if _, log := assemble(t, noTar, resolve(t, noTar)); strings.Contains(log, "image unchanged") {
		t.Fatalf("Assemble(no local platform) reused the image: %q", log)
	}
	if _, err := os.Stat(out.Tarball); !os.IsNotExist(err) {
		t.Errorf("stale %s kept when the local platform was not built: %v", out.Tarball, err)
	}
}

// A base without one of the platforms fails with its name, and no layout
// is written.
func TestAssembleBaseMissingPlatform(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scratch := resolve(t, config(t, dir, map[string]string{"BASE_IMAGE": "scratch"}))
	img, err := scratch.Image(local)
	if err != nil {
		t.Fatal(err)
	}
	p, err := layout.Write(filepath.Join(dir, "base"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{ocispec.AnnotationRefName: "only-local"})); err != nil {
		t.Fatal(err)
	}
	cfg := config(t, dir, map[string]string{"BASE_IMAGE": "oci:" + filepath.Join(dir, "base") + ":only-local"})
	_, err = dist.Assemble(t.Context(), cfg, resolve(t, cfg), testdist.Binaries(t, cfg.Platforms...), &bytes.Buffer{})
	if want := "has no " + other.String() + " image (it has: " + local.String() + ")"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Assemble(%s on a %s-only base) = %v, want %q", platform.Name(other), platform.Name(local), err, want)
	}
	if _, err := os.Stat(cfg.Outputs().Layout); !os.IsNotExist(err) {
		t.Errorf("a failed build left %s: %v", cfg.Outputs().Layout, err)
	}
}
