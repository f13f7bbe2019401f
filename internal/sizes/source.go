package sizes

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

// Source is an image, or an index of images, named the way skopeo names
// them: "oci:DIR[:TAG]", "docker-archive:FILE[:REF]", or a registry
// reference, "docker://" optional.
type Source struct {
	Name   string
	Origin string
	// estimated marks compressed sizes that the source does not hold but
	// that were computed by compressing its layers.
	estimated bool
	index     v1.ImageIndex
	image     v1.Image
}

// UnreachableError is a registry that could not be reached at all
// (registryhttp.Unreachable), as against one that answered with a refusal
// or whose certificate is not trusted.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// Open opens spec, reaching a registry through reg.
func Open(ctx context.Context, spec string, reg *registryhttp.Client) (*Source, error) {
	s := &Source{Name: spec}
	switch {
	case strings.HasPrefix(spec, "oci:"):
		s.Origin = "oci-layout"
		return s, s.openLayout(strings.TrimPrefix(spec, "oci:"))
	case strings.HasPrefix(spec, "docker-archive:"):
		s.Origin = "docker-archive"
		return s, s.openArchive(strings.TrimPrefix(spec, "docker-archive:"))
	}
	s.Origin = "registry"
	refStr := strings.TrimPrefix(spec, "docker://")
	ref, err := reg.Reference(refStr)
	if err != nil {
		return nil, fmt.Errorf("%q is not an image: use a registry reference, oci:DIR[:TAG] or docker-archive:FILE (%v)", spec, err)
	}
	s.Name = ref.Name()
	desc, err := remote.Get(ref, reg.Options(ctx)...)
	if err != nil {
		if registryhttp.Unreachable(err) && ctx.Err() == nil {
			return nil, &UnreachableError{fmt.Errorf("reaching %s: %w", ref.Context().RegistryStr(), err)}
		}
		if missing(err) {
			return nil, fmt.Errorf("%s does not exist: %s has no such tag or repository", ref.Name(), ref.Context().RegistryStr())
		}
		return nil, fmt.Errorf("fetching %s: %w", ref.Name(), err)
	}
	if desc.MediaType.IsIndex() {
		s.index, err = desc.ImageIndex()
	} else {
		s.image, err = desc.Image()
	}
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", ref.Name(), err)
	}
	return s, nil
}

// missing is a registry's answer that the reference does not exist: one
// line says so, rather than go-containerregistry's
// "MANIFEST_UNKNOWN: manifest unknown; map[Tag:1.0.0]".
func missing(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if te.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range te.Errors {
		if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return false
}

func (s *Source) openLayout(spec string) error {
	dir, _ := ocilayout.SplitSpec(spec)
	if err := ocilayout.Built(dir); err != nil {
		return err // the pipeline's image, before any build
	}
	e, err := ocilayout.Find(spec)
	if err != nil {
		return err
	}
	// go-containerregistry reads a layout without checking digests: a
	// damaged manifest would measure as an image of a few bytes, and pass.
	if err := ocilayout.Verify(e.Dir); err != nil {
		return err
	}
	if e.Ref != "" {
		s.Name = "oci:" + e.Dir + ":" + e.Ref
	}
	if e.MediaType.IsIndex() {
		s.index, err = e.Index.ImageIndex(e.Digest)
	} else {
		s.image, err = e.Index.Image(e.Digest)
	}
	if err != nil {
		return fmt.Errorf("reading OCI layout %s: %w", e.Dir, err)
	}
	return nil
}

func (s *Source) openArchive(spec string) error {
	file, ref := spec, ""
	if i := strings.Index(spec, ".tar:"); i > 0 {
		file, ref = spec[:i+4], spec[i+5:]
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("reading docker archive %s: %w", file, err)
	}
	var tag *name.Tag
	if ref != "" {
		t, err := name.NewTag(ref)
		if err != nil {
			return fmt.Errorf("docker archive %s: %q is not a tag: %w", file, ref, err)
		}
		tag = &t
	}
	img, err := tarball.ImageFromPath(file, tag)
	if err != nil {
		return fmt.Errorf("reading docker archive %s: %w", file, err)
	}
	if _, err := img.Manifest(); err != nil {
		return fmt.Errorf("reading docker archive %s: %w", file, err)
	}
	s.image = img
	if s.estimated, err = uncompressedLayers(file); err != nil {
		return fmt.Errorf("reading docker archive %s: %w", file, err)
	}
	return nil
}

// uncompressedLayers says whether a docker archive holds any layer
// uncompressed, as `docker save` writes them: its "compressed" sizes are
// then go-containerregistry's own gzip of them, an estimate of a pull.
func uncompressedLayers(file string) (bool, error) {
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(file) })
	if err != nil {
		return false, err
	}
	layers := map[string]bool{}
	for _, d := range m {
		for _, l := range d.Layers {
			layers[path.Clean(l)] = true
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return false, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !layers[path.Clean(h.Name)] {
			continue
		}
		magic := make([]byte, 2)
		if _, err := io.ReadFull(tr, magic); err != nil || magic[0] != 0x1f || magic[1] != 0x8b {
			return true, nil
		}
	}
}

// Platforms lists the platforms the source has images for.
func (s *Source) Platforms() ([]v1.Platform, error) {
	if s.image != nil {
		cf, err := s.image.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", s.Name, err)
		}
		return []v1.Platform{{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}}, nil
	}
	im, err := s.index.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.Name, err)
	}
	var out []v1.Platform
	for _, d := range im.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" {
			out = append(out, *d.Platform)
		}
	}
	return out, nil
}

// Image is the source's image for p, as platform.Matches matches it.
func (s *Source) Image(p v1.Platform) (v1.Image, error) {
	have, err := s.Platforms()
	if err != nil {
		return nil, err
	}
	if s.image != nil {
		if !platform.Matches(p)(v1.Descriptor{Platform: &have[0]}) {
			return nil, fmt.Errorf("%s has no %s image (it has: %s)", s.Name, platform.Label(p), platform.Label(have[0]))
		}
		return s.image, nil
	}
	d, err := platform.Find(s.index, p)
	if err != nil {
		var labels []string
		for _, h := range have {
			labels = append(labels, platform.Label(h))
		}
		return nil, fmt.Errorf("%s has no %s image (it has: %s)", s.Name, platform.Label(p), strings.Join(labels, ", "))
	}
	img, err := s.index.Image(d.Digest)
	if err != nil {
		return nil, fmt.Errorf("reading %s for %s: %w", s.Name, platform.Label(p), err)
	}
	return img, nil
}
