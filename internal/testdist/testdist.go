// Package testdist builds the real service image for tests as `go tool
// mage build` builds it (dist.Build), for this machine's platform, once
// per suite: into a folder of the user's cache named by all the build is
// made of, which every test binary of the suite then shares. Tests only
// read it; a test that changes an output works on a copy. Its stand-in
// program (Binaries) is built once per test binary, into a temporary
// folder that Remove, called from TestMain, deletes.
package testdist

import (
	"context"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/dist"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/settings"
)

// What the built image says it is: its version (a v1 one, which the
// binary's build information can carry: the module has no /vN suffix),
// the repository its tarball's tags name, the commit and source it is
// stamped with.
const (
	Version    = "1.7.7"
	Repository = "localhost/devops-info-service-test"
	Commit     = "0123456789abcdef0123456789abcdef01234567"
	Source     = "https://github.com/lehus1/devops-info-service-go"
	// Epoch is SOURCE_DATE_EPOCH, the image's creation time.
	Epoch = "1700000000"
)

// Built is a finished build: its settings (Settings.Dir holds dist/) and
// the index digest build printed.
type Built struct {
	Settings settings.Settings
	Digest   v1.Hash
}

// Dir is the folder that holds dist/.
func (b Built) Dir() string { return b.Settings.Dir }

// Index is the image index dist/oci holds; t fails where it cannot be
// read.
func (b Built) Index(t testing.TB) v1.ImageIndex {
	t.Helper()
	idx, _, err := ocilayout.Read(b.Settings.Outputs().Layout)
	return must(t, idx, err)
}

// Image is this machine's platform image; t fails where it cannot be
// read.
func (b Built) Image(t testing.TB) v1.Image {
	t.Helper()
	img, err := platform.Image(b.Index(t), platform.Local())
	return must(t, img, err)
}

// must is v, or t's end where err says the build cannot be read.
func must[T any](t testing.TB, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatalf("reading the built service image: %v", err)
	}
	return v
}

var (
	once  sync.Once
	built Built
	err   error
)

// Build is the build of the module at root (the repository's root, such
// as "../.."): made by the first test binary of a suite that asks for it,
// kept for the others (cache.go), and checked the first time it is called
// in a test binary; every call returns that build.
func Build(t testing.TB, root string) Built {
	t.Helper()
	once.Do(func() {
		cache, cerr := cacheDir()
		if err = cerr; err == nil {
			built, err = buildIn(context.Background(), cache, root)
		}
	})
	if err != nil {
		t.Fatalf("building the service image: %v", err)
	}
	return built
}

// env is the build's environment.
var env = map[string]string{"VERSION": Version, "SOURCE_DATE_EPOCH": Epoch, "PLATFORMS": platform.Name(platform.Local()),
	"IMAGE": Repository, "IMAGE_SOURCE": Source}

// buildIn is the build of the module at root kept in cache.
func buildIn(ctx context.Context, cache, root string) (Built, error) {
	module, err := filepath.Abs(root)
	if err != nil {
		return Built{}, err
	}
	var extra []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		extra = append(extra, k+"="+env[k])
	}
	k := func() (string, error) { return key(ctx, module, append(extra, "commit="+Commit)...) }
	dir, err := cached(cache, k, func(dir string) error {
		_, err := build(ctx, module, dir)
		return err
	})
	if err != nil {
		return Built{}, err
	}
	b := Built{}
	if b.Settings, err = load(ctx, dir); err != nil {
		return b, err
	}
	_, desc, err := ocilayout.Read(b.Settings.Outputs().Layout)
	b.Digest = desc.Digest
	return b, err
}

// load is the build's settings, for dist/ in dir.
func load(ctx context.Context, dir string) (settings.Settings, error) {
	s, err := settings.Load(ctx, dir, func(k string) string { return env[k] })
	s.Version.Commit = Commit
	return s, err
}

// build builds the module into dir/dist.
func build(ctx context.Context, module, dir string) (Built, error) {
	b := Built{}
	var err error
	if b.Settings, err = load(ctx, dir); err != nil {
		return b, err
	}
	base, err := base.Resolve(ctx, b.Settings.BaseImage, b.Settings.Compression)
	if err != nil {
		return b, err
	}
	b.Digest, err = dist.Build(ctx, b.Settings, base, io.Discard, dist.WithModule(module))
	return b, err
}

var (
	mu   sync.Mutex
	made []string // the folders Binaries made
)

// tempDir makes a temporary folder that Remove deletes.
func tempDir(prefix string) (string, error) {
	d, err := os.MkdirTemp("", prefix)
	if err == nil {
		mu.Lock()
		made = append(made, d)
		mu.Unlock()
	}
	return d, err
}

// Main runs a test binary's tests, then Remove: the TestMain of a
// package whose tests build with testdist and need nothing else there.
func Main(m *testing.M) {
	code := m.Run()
	Remove()
	os.Exit(code)
}

// Remove deletes what Binaries wrote; TestMain calls it after
// the tests.
func Remove() {
	mu.Lock()
	defer mu.Unlock()
	for _, d := range made {
		os.RemoveAll(d)
	}
	made = nil
}
