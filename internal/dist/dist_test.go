package dist_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/dist"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
	"github.com/lehus1/devops-info-service-go/internal/settings"
	"github.com/lehus1/devops-info-service-go/internal/testdist"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// sharedDir holds the build that tests which only read share.
var sharedDir string

func TestMain(m *testing.M) {
	var err error
	if sharedDir, err = os.MkdirTemp("", "dist-test-"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(sharedDir)
	testdist.Remove()
	os.Exit(code)
}

// local is this machine's platform, whose image build also writes as
// dist/image.tar; other is one more.
var local, other = platform.Local(), otherPlatform()

func otherPlatform() v1.Platform {
	if platform.Local().Architecture == "arm64" {
		return v1.Platform{OS: "linux", Architecture: "amd64"}
	}
	return v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
}

// config is build's settings for a checkout at dir, from env over
// VERSION=1.2.3, SOURCE_DATE_EPOCH=1700000000, the two platforms local
// and other, and IMAGE=example.com/svc.
func config(t *testing.T, dir string, env map[string]string) settings.Settings {
	t.Helper()
	all := map[string]string{"VERSION": "1.2.3", "SOURCE_DATE_EPOCH": "1700000000",
		"PLATFORMS": platform.Name(local) + "," + platform.Name(other), "IMAGE": "example.com/svc", "IMAGE_SOURCE": "https://example.com/x"}
	for k, v := range env {
		all[k] = v
	}
	cfg, err := settings.Load(t.Context(), dir, func(k string) string { return all[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// resolve is the base cfg names, with a cache of the test's own.
func resolve(t *testing.T, cfg settings.Settings) *base.Base {
	t.Helper()
	b, err := base.Resolve(t.Context(), cfg.BaseImage, cfg.Compression, base.WithCacheDir(filepath.Join(t.TempDir(), "cache")))
	if err != nil {
		t.Fatalf("base.Resolve(%q): %v", cfg.BaseImage, err)
	}
	return b
}

// assemble is dist.Assemble of testdist's program for cfg's platforms;
// it returns the digest and what Assemble logged.
func assemble(t *testing.T, cfg settings.Settings, b *base.Base) (v1.Hash, string) {
	t.Helper()
	var log strings.Builder
	d, err := dist.Assemble(t.Context(), cfg, b, testdist.Binaries(t, cfg.Platforms...), &log)
	if err != nil {
		t.Fatalf("Assemble() = %v\n%s", err, log.String())
	}
	return d, log.String()
}

// Build compiles the module, writes every output, and prunes the SBOMs
// of platforms no longer built; the same build elsewhere gives the same
// digest as testdist's.
func TestBuild(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	shared := testdist.Build(t, "../..")
	cfg := shared.Settings
	cfg.Dir = t.TempDir()
	stale := filepath.Join(cfg.SBOMDir(), platform.Dir(other)+".spdx.json")
	if err := os.MkdirAll(cfg.SBOMDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	d, err := dist.Build(t.Context(), cfg, resolve(t, cfg), &log, dist.WithModule("../.."))
	if err != nil {
		t.Fatalf("Build() = %v\n%s", err, log.String())
	}
	if d != shared.Digest {
		t.Errorf("Build() in %s = %s, want %s as built in %s", cfg.Dir, d, shared.Digest, shared.Dir())
	}
	for _, want := range []string{"building " + testdist.Version + " (commit 0123456789ab, 2023-11-14T22:13:20Z)", "built " + platform.Name(local), "assembled 1 platform(s) on base static"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("Build() logged %q, want %q", log.String(), want)
		}
	}
	for _, path := range []string{filepath.Join(cfg.Dir, "dist", "bin", platform.Dir(local), "devops-info-service"), cfg.Outputs().Tarball,
		filepath.Join(cfg.SBOMDir(), platform.Dir(local)+".spdx.json")} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("Build() wrote no %s: %v", path, err)
		}
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("Build() kept the SBOM of a platform not built, %s: %v", stale, err)
	}
}

// A module that does not compile, or a base without the platforms, fails
// the build and leaves no image behind.
func TestBuildFails(t *testing.T) {
	t.Parallel()
	cfg := config(t, t.TempDir(), nil)
	if _, err := dist.Build(t.Context(), cfg, resolve(t, cfg), io.Discard, dist.WithModule(t.TempDir())); err == nil {
		t.Errorf("Build(a folder without a module) = nil error")
	}
	if _, err := os.Stat(cfg.Outputs().Layout); !os.IsNotExist(err) {
		t.Errorf("a failed build left %s: %v", cfg.Outputs().Layout, err)
	}
}

// Two builds from the same inputs, in different places, give one digest,
// the same SBOM files and attached artifacts, and the digest of the index
// image.Assemble makes: the SBOMs beside it leave it as it is. The first
// is the shared build.
func TestAssembleIsDeterministic(t *testing.T) {
	t.Parallel()
	cfg, first, log := shared(t)
	if !strings.Contains(log, "assembled 2 platform(s) on base static") {
		t.Errorf("Assemble() logged %q, want the platforms and base named", log)
	}
	again := cfg
	again.Dir = t.TempDir()
	if second, _ := assemble(t, again, resolve(t, again)); second != first {
		t.Errorf("two builds gave %s and %s", first, second)
	}
	for _, p := range cfg.Platforms {
		a, errA := os.ReadFile(sbom.Path(cfg.SBOMDir(), p))
		b, errB := os.ReadFile(sbom.Path(again.SBOMDir(), p))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: two builds wrote different SBOMs (%v, %v)", platform.Name(p), errA, errB)
		}
	}
	if a, b := artifacts(t, cfg), artifacts(t, again); !slices.Equal(a, b) || len(a) != len(cfg.Platforms) {
		t.Errorf("two builds attached %v and %v, want one artifact per platform, the same", a, b)
	}
	b := resolve(t, cfg)
	idx, err := image.Assemble(t.Context(), b, testdist.Binaries(t, cfg.Platforms...), cfg.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := idx.Digest(); plain != first {
		t.Errorf("index with SBOMs attached %s, image.Assemble's %s; want the same", first, plain)
	}
}

// artifacts are the digests of what the layout build wrote attaches.
func artifacts(t *testing.T, cfg settings.Settings) []string {
	t.Helper()
	arts, err := ocilayout.Artifacts(cfg.Outputs().Layout)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range arts {
		out = append(out, a.Descriptor.Digest.String())
	}
	return out
}
