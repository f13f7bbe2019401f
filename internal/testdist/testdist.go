// Package testdist builds the real service image for tests as `go tool
// mage build` builds it (dist.Build), for this machine's platform, once
// per test binary, into a temporary folder that Remove, called from
// TestMain, deletes. Tests share what it built and only read it; a test
// that changes an output works on a copy.
package testdist

import (
	"context"
	"io"
	"os"
	"path/filepath"
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

// Index is the image index dist/oci holds.
func (b Built) Index() (v1.ImageIndex, error) {
	idx, _, err := ocilayout.Read(b.Settings.Outputs().Layout)
	return idx, err
}

// Image is this machine's platform image.
func (b Built) Image() (v1.Image, error) {
	idx, err := b.Index()
	if err != nil {
		return nil, err
	}
	return platform.Image(idx, platform.Local())
}

var (
	once  sync.Once
	built Built
	err   error
)

// Build builds the module at root (the repository's root, such as
// "../..") the first time it is called in a test binary and returns that
// build every time.
func Build(t testing.TB, root string) Built {
	t.Helper()
	once.Do(func() { built, err = build(context.Background(), root) })
	if err != nil {
		t.Fatalf("building the service image: %v", err)
	}
	return built
}

func build(ctx context.Context, root string) (Built, error) {
	module, err := filepath.Abs(root)
	if err != nil {
		return Built{}, err
	}
	dir, err := tempDir("testdist-")
	if err != nil {
		return Built{}, err
	}
	env := map[string]string{"VERSION": Version, "SOURCE_DATE_EPOCH": Epoch, "PLATFORMS": platform.Name(platform.Local()),
		"IMAGE": Repository, "IMAGE_SOURCE": Source}
	b := Built{}
	if b.Settings, err = settings.Load(ctx, dir, func(k string) string { return env[k] }); err != nil {
		return b, err
	}
	b.Settings.Version.Commit = Commit
	base, err := base.Resolve(ctx, b.Settings.BaseImage, b.Settings.Compression)
	if err != nil {
		return b, err
	}
	b.Digest, err = dist.Build(ctx, b.Settings, base, io.Discard, dist.WithModule(module))
	return b, err
}

var (
	mu   sync.Mutex
	made []string // the folders Build and Binaries made
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

// Remove deletes what Build and Binaries wrote; TestMain calls it after
// the tests.
func Remove() {
	mu.Lock()
	defer mu.Unlock()
	for _, d := range made {
		os.RemoveAll(d)
	}
	made = nil
}
