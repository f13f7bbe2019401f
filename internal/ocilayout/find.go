package ocilayout

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

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

// SplitSpec is spec, "DIR" or "DIR:TAG", as its folder and tag.
func SplitSpec(spec string) (dir, tag string) {
	if i := strings.LastIndex(spec, ":"); i > 0 {
		return spec[:i], spec[i+1:]
	}
	return spec, ""
}

// Find reads spec, "DIR" or "DIR:TAG" as in skopeo's oci:DIR:TAG,
// and returns the entry named TAG, or the only entry when no TAG is given.
func Find(spec string) (Entry, error) {
	dir, tag := SplitSpec(spec)
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return Entry{}, fmt.Errorf("reading OCI layout %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return Entry{}, fmt.Errorf("reading OCI layout %s: %w", dir, err)
	}
	aliases, err := platformAliases(idx, im)
	if err != nil {
		return Entry{}, fmt.Errorf("reading OCI layout %s: %w", dir, err)
	}
	var found []v1.Descriptor
	var names []string
	for _, d := range im.Manifests {
		if isAttachment(d) {
			continue // an attachment (an SBOM), not an image
		}
		if tag == "" && aliases[d.Digest] {
			continue // a platform image also named on its own: without a TAG, its index is meant
		}
		ref := d.Annotations[ocispec.AnnotationRefName]
		names = append(names, ref)
		if tag == "" || ref == tag {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		return Entry{}, fmt.Errorf("OCI layout %s: %d images match %q (it has %q); name one as oci:%s:TAG", dir, len(found), tag, names, dir)
	}
	return Entry{Dir: dir, Ref: found[0].Annotations[ocispec.AnnotationRefName], Index: idx, Descriptor: found[0]}, nil
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

// PlatformRef is the ref name under which the layout lists the platform p
// image of the index named ref, "1.2.3-linux-amd64": tools that need a
// single manifest, such as umoci, address it as oci:dist/oci:1.2.3-linux-amd64.
// The variant is left out: the pipeline builds one per OS and architecture.
func PlatformRef(ref string, p v1.Platform) string {
	return ref + "-" + p.OS + "-" + p.Architecture
}

// namePlatforms lists each platform image of idx in the layout's index.json
// under its PlatformRef, beside the index itself. The blobs are already
// there (the index's); only index.json grows.
func namePlatforms(p layout.Path, idx v1.ImageIndex, ref string) error {
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, d := range im.Manifests {
		if d.Platform == nil {
			continue
		}
		d.Annotations = map[string]string{ocispec.AnnotationRefName: PlatformRef(ref, *d.Platform)}
		if err := p.AppendDescriptor(d); err != nil {
			return err
		}
	}
	return nil
}

// platformAliases are the entries of a layout's index.json that are also
// listed inside an index there: platform images named on their own.
func platformAliases(top v1.ImageIndex, im *v1.IndexManifest) (map[v1.Hash]bool, error) {
	out := map[v1.Hash]bool{}
	for _, d := range im.Manifests {
		if !d.MediaType.IsIndex() {
			continue
		}
		child, err := top.ImageIndex(d.Digest)
		if err != nil {
			return nil, err
		}
		cm, err := child.IndexManifest()
		if err != nil {
			return nil, err
		}
		for _, c := range cm.Manifests {
			out[c.Digest] = true
		}
	}
	return out, nil
}

// shareable makes everything under dir readable by every user, directories
// 0755 and files 0644, whatever the umask and the library chose
// (go-containerregistry writes streamed layers 0600 and index.json 0755):
// when root builds, as CI does, another user must be able to copy the
// layout.
func shareable(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(path, mode)
	})
}
