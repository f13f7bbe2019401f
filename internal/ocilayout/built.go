package ocilayout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Built is nil when dir holds a layout, and otherwise says in one line
// that there is no image yet and how to make one: a newcomer's first
// push, run, smoke or sizecompare before any build is no damage.
func Built(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "index.json")); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no image in %s yet: run `go tool mage build` first", dir)
	}
	return nil
}

// Holds is the index digest of the image the outputs hold, whole, when
// Write made it from inputs (the fingerprint it stored beside it). ok is
// false when there is no image, it was made from other inputs or is not
// tagged out.RefName, a file is missing (the tarball when one is wanted),
// one of out.Also is not its document in the layout, the tarball is not
// whole (tarballWhole), a tarball is there that is not wanted, or a blob
// does not match its digest: then the outputs are to be written again.
// Other inputs are told before any blob is read, so an edit's build does
// not hash the image it replaces.
func Holds(out Outputs, inputs string) (d v1.Hash, ok bool) {
	idx, desc, err := Read(out.Layout)
	if err != nil || desc.Annotations[inputsKey] != inputs || desc.Annotations[ocispec.AnnotationRefName] != out.RefName {
		return v1.Hash{}, false
	}
	if _, err := os.Stat(out.Tarball); out.Tarball != "" && (err == nil) != (len(out.TarballTags) > 0) {
		return v1.Hash{}, false
	}
	if err := Verify(out.Layout); err != nil || !besides(out) || !tarballWhole(idx, out) {
		return v1.Hash{}, false
	}
	return desc.Digest, true
}

// besides reports whether each of out.Also is, byte for byte, a document
// of its name attached in the layout (Verify has checked those): an SBOM
// edited or cut short by hand is written again, not reused.
func besides(out Outputs) bool {
	if len(out.Also) == 0 {
		return true
	}
	arts, err := Artifacts(out.Layout)
	if err != nil {
		return false
	}
	titled := map[string][]v1.Hash{}
	for _, a := range arts {
		var m v1.Manifest
		if err := json.Unmarshal(a.Manifest, &m); err != nil {
			return false
		}
		for _, l := range m.Layers {
			titled[l.Annotations[ocispec.AnnotationTitle]] = append(titled[l.Annotations[ocispec.AnnotationTitle]], l.Digest)
		}
	}
	for _, f := range out.Also {
		sum, err := FileSHA256(f)
		if err != nil || !slices.Contains(titled[filepath.Base(f)], sum) {
			return false
		}
	}
	return true
}

// FileSHA256 is the digest of the file at path.
func FileSHA256(path string) (v1.Hash, error) {
	f, err := os.Open(path)
	if err != nil {
		return v1.Hash{}, err
	}
	defer f.Close()
	sum, _, err := v1.SHA256(f)
	return sum, err
}

// Image is what a build leaves in a layout: the image index, and the
// documents attached to it and its platform images (the SBOMs). Release
// steps hand it on in memory (sign adds its signatures, push sends it
// all), so the layout is read, and checked, once.
type Image struct {
	Index     v1.ImageIndex
	Artifacts []Artifact
}

// Load reads the image Write put in the layout dir, once every blob has
// been checked against its digest (Verify).
func Load(dir string) (Image, error) {
	if err := Verify(dir); err != nil {
		return Image{}, err
	}
	idx, _, err := Read(dir)
	if err != nil {
		return Image{}, err
	}
	arts, err := Artifacts(dir)
	if err != nil {
		return Image{}, err
	}
	return Image{Index: idx, Artifacts: arts}, nil
}
