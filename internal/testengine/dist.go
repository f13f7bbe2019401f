package testengine

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/version"
)

// Version and Tag are what Dist's image says it is and is called.
const (
	Version = "7.7.7"
	Tag     = "localhost/devops-info-service-test:" + Version
)

var (
	distOnce sync.Once
	distDir  string
	dist     engine.Local
	distErr  error
)

// Dist builds the real service for this machine and writes its image as
// build does, an OCI layout and a tarball tagged Tag and :latest, once per
// test binary; RemoveDist (from TestMain) removes it. root is the
// repository's root.
func Dist(t testing.TB, root string) engine.Local {
	t.Helper()
	distOnce.Do(func() { dist, distErr = buildDist(root) })
	if distErr != nil {
		t.Fatalf("building the service image: %v", distErr)
	}
	return dist
}

func buildDist(root string) (engine.Local, error) {
	var err error
	if distDir, err = os.MkdirTemp("", "testengine-dist"); err != nil {
		return engine.Local{}, err
	}
	ctx := context.Background()
	info := version.Info{Version: Version, Commit: "test", Time: time.Unix(1700000000, 0).UTC()}
	bins, err := binary.Build(ctx, root, info, binary.WithOutput(filepath.Join(distDir, "bin")), binary.WithPlatforms(platform.Local()))
	if err != nil {
		return engine.Local{}, err
	}
	b, err := base.Resolve(ctx, "static", layer.Gzip)
	if err != nil {
		return engine.Local{}, err
	}
	idx, err := image.Assemble(ctx, b, bins, image.Metadata{Version: info.Version, Created: info.Time})
	if err != nil {
		return engine.Local{}, err
	}
	local := engine.Dist(distDir)
	out := ocilayout.Outputs{Layout: local.Layout, RefName: Version, Tarball: local.Tarball,
		TarballTags: []string{Tag, "localhost/devops-info-service-test:latest"}, TarballPlatform: platform.Local()}
	return local, ocilayout.Write(idx, out, "test")
}

// RemoveDist removes what Dist wrote.
func RemoveDist() {
	if distDir != "" {
		os.RemoveAll(distDir)
	}
}
