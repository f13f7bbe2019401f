package engine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

// Local is what build wrote for this machine: the OCI layout runc starts
// the image from, and the tarball Docker and Podman load.
type Local struct {
	Layout, Tarball string
}

// Dist is build's outputs under dir: dist/oci and dist/image.tar.
func Dist(dir string) Local {
	return Local{Layout: filepath.Join(dir, "dist", "oci"), Tarball: filepath.Join(dir, "dist", "image.tar")}
}

// Built says, in one line, when there is no image yet and how to make one:
// what run and smoke say first, whatever the engine.
func (l Local) Built() error { return ocilayout.Built(l.Layout) }

// Image is the local platform's image from the layout, checked blob by
// blob first.
func (l Local) Image() (v1.Image, error) {
	if err := ocilayout.Verify(l.Layout); err != nil {
		return nil, err
	}
	idx, _, err := ocilayout.Read(l.Layout)
	if err != nil {
		return nil, err
	}
	img, err := platform.Image(idx, platform.Local())
	if err != nil {
		return nil, fmt.Errorf("the image %w", err)
	}
	return img, nil
}

// tag is the name the tarball gives its image first: the version's tag,
// which build writes before latest.
func (l Local) tag() (string, error) {
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(l.Tarball) })
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%s is missing: run `go tool mage build` first, with this machine's platform (%s) in PLATFORMS", l.Tarball, platform.Name(platform.Local()))
	case err != nil:
		return "", fmt.Errorf("reading %s: %w", l.Tarball, err)
	case len(m) != 1 || len(m[0].RepoTags) == 0:
		return "", fmt.Errorf("reading %s: want one tagged image, found %d (run `go tool mage build` again)", l.Tarball, len(m))
	}
	return m[0].RepoTags[0], nil
}
