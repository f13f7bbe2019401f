package image

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Entry is one image or index named in an OCI layout's index.json.
type Entry struct {
	Dir string
	// Ref is its org.opencontainers.image.ref.name, if it has one.
	Ref string
	// Index is the layout, to read the entry's content through.
	Index v1.ImageIndex
	v1.Descriptor
}

// FindInLayout reads spec, "DIR" or "DIR:TAG" as in skopeo's oci:DIR:TAG,
// and returns the entry named TAG, or the only entry when no TAG is given.
func FindInLayout(spec string) (Entry, error) {
	dir, tag := spec, ""
	if i := strings.LastIndex(spec, ":"); i > 0 {
		dir, tag = spec[:i], spec[i+1:]
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return Entry{}, fmt.Errorf("reading OCI layout %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return Entry{}, fmt.Errorf("reading OCI layout %s: %w", dir, err)
	}
	var found []v1.Descriptor
	var names []string
	for _, d := range im.Manifests {
		if isAttachment(d) {
			continue // an attachment (an SBOM), not an image
		}
		ref := d.Annotations[refNameKey]
		names = append(names, ref)
		if tag == "" || ref == tag {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		return Entry{}, fmt.Errorf("OCI layout %s: %d images match %q (it has %q); name one as oci:%s:TAG", dir, len(found), tag, names, dir)
	}
	return Entry{Dir: dir, Ref: found[0].Annotations[refNameKey], Index: idx, Descriptor: found[0]}, nil
}

// isAttachment says whether an index.json entry is an attached document
// rather than an image: go-containerregistry writes images' entries with
// their config's media type as the artifact type, so that alone is not it.
func isAttachment(d v1.Descriptor) bool {
	switch types.MediaType(d.ArtifactType) {
	case "", types.OCIConfigJSON, types.DockerConfigJSON:
		return false
	}
	return true
}
