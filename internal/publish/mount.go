package publish

import (
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// baseAnnotation names the registry image the build started from.
const baseAnnotation = ocispec.AnnotationBaseImageName

// mountable marks idx's layers as mountable from its base's repository
// when that base lives on the registry being pushed to: the registry then
// links the base's blobs instead of receiving them again. Layers the base
// repository lacks (the service's own) fall back to an upload.
func mountable(idx v1.ImageIndex, repo name.Repository) v1.ImageIndex {
	im, err := idx.IndexManifest()
	if err != nil {
		return idx
	}
	from, err := name.ParseReference(im.Annotations[baseAnnotation])
	if err != nil || from.Context().RegistryStr() != repo.RegistryStr() || from.Context().RepositoryStr() == repo.RepositoryStr() {
		return idx
	}
	return mountIndex{anIndex: idx, from: from}
}

// Aliases, so that embedding does not make a field named like a method.
type (
	anIndex = v1.ImageIndex
	anImage = v1.Image
)

type mountIndex struct {
	anIndex
	from name.Reference
}

// Manifests hides the wrapped index's own list, which go-containerregistry
// would otherwise use to reach the images without going through Image.
func (m mountIndex) Manifests() ([]partial.Describable, error) {
	return partial.ComputeManifests(m)
}

func (m mountIndex) Image(h v1.Hash) (v1.Image, error) {
	img, err := m.anIndex.Image(h)
	if err != nil {
		return nil, err
	}
	return mountImage{anImage: img, from: m.from}, nil
}

type mountImage struct {
	anImage
	from name.Reference
}

func (m mountImage) Layers() ([]v1.Layer, error) {
	ls, err := m.anImage.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for i, l := range ls {
		out[i] = &remote.MountableLayer{Layer: l, Reference: m.from}
	}
	return out, nil
}
