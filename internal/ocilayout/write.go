// Package ocilayout writes the image to disk, where every OCI tool finds
// it: an OCI image layout (dist/oci, go-containerregistry's layout.Path)
// with the index tagged by version, each platform image named on its own
// and the attachments (SBOMs) listed beside it, and a `docker load`-able
// tarball of one platform. It reads a layout back, finds an entry in one
// (oci:DIR[:TAG]) and checks every blob against its digest.
package ocilayout

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
)

const (
	// inputsKey marks the layout's index.json entry with what the image was
	// made from, so an unchanged build can be recognised without redoing it.
	inputsKey = "dev.devops-info-service-go.inputs"
)

// Outputs are where Write puts the image.
type Outputs struct {
	// Layout is the OCI image layout folder, such as dist/oci.
	Layout string
	// RefName tags the index inside the layout (the version), so that
	// `skopeo inspect oci:dist/oci:1.2.3` finds it.
	RefName string
	// Tarball gets a `docker load`-able tarball of the image for
	// TarballPlatform, tagged with each of TarballTags, in that order
	// (`docker load` and `podman load` tag the image with each). With no
	// TarballTags, a tarball left there by an earlier build is removed: it
	// would be stale.
	Tarball         string
	TarballTags     []string
	TarballPlatform v1.Platform
	// Also are files written beside the image (SBOMs), each a copy of the
	// attached document titled with its name, that must be there, byte
	// for byte, for the outputs to be reused.
	Also []string
}

// String is what the outputs hold, for the build's log: "dist/oci,
// dist/image.tar (docker.io/lehus1/devops-info-service-go:1.2.3, latest)".
func (out Outputs) String() string {
	if out.Tarball == "" {
		return out.Layout
	}
	tags := slices.Clone(out.TarballTags)
	for i := 1; i < len(tags); i++ {
		if repo, tag, ok := strings.Cut(tags[i], ":"); ok && strings.HasPrefix(tags[0], repo+":") {
			tags[i] = tag
		}
	}
	return fmt.Sprintf("%s, %s (%s)", out.Layout, out.Tarball, strings.Join(tags, ", "))
}

// Write puts idx in the layout, with the attachments, and, if asked, the
// tarball; inputs is the fingerprint of what the image was made from,
// which Holds gives back (image.Reusable makes and compares it). The
// layout and the tarball are written under temporary names beside their
// final ones first and moved into place only when both are whole (see
// swapIn), so a failure leaves the previous outputs as they were.
func Write(idx v1.ImageIndex, out Outputs, inputs string, atts ...Attachment) error {
	parent := filepath.Dir(out.Layout)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", out.Layout, err)
	}
	// The tarball is written while the layout is staged: the two copy the
	// same image, held in memory, to files of their own.
	var tarFile *atomicfile.File
	tarred := make(chan error, 1)
	if len(out.TarballTags) > 0 {
		go func() {
			var err error
			tarFile, err = writeTarball(idx, out)
			tarred <- err
		}()
	} else {
		tarred <- nil
	}
	tmp, err := stage(parent, idx, out, inputs, atts)
	if tmp != "" {
		defer os.RemoveAll(tmp)
	}
	if err := <-tarred; err != nil {
		return err
	}
	if tarFile != nil {
		defer tarFile.Abort()
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", out.Layout, err)
	}
	step("staged")
	// The tarball first: a build stopped after it leaves a layout that no
	// longer matches its inputs, which the next build redoes, rather than
	// a new layout beside an old tarball that would be reused.
	if tarFile != nil {
		if err := tarFile.Commit(); err != nil {
			return err
		}
	} else if out.Tarball != "" {
		if err := os.Remove(out.Tarball); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing the stale %s: %w", out.Tarball, err)
		}
	}
	step("tarball")
	return swapIn(tmp, out.Layout)
}

// stage writes idx and the attachments as a layout in a new folder
// beside out.Layout, whose name it returns (also on failure, when one was
// made).
func stage(parent string, idx v1.ImageIndex, out Outputs, inputs string, atts []Attachment) (string, error) {
	tmp, err := os.MkdirTemp(parent, ".oci-")
	if err != nil {
		return "", err
	}
	p, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return tmp, err
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{ocispec.AnnotationRefName: out.RefName, inputsKey: inputs})); err != nil {
		return tmp, err
	}
	if err := namePlatforms(p, idx, out.RefName); err != nil {
		return tmp, err
	}
	if err := attach(p, atts); err != nil {
		return tmp, err
	}
	return tmp, shareable(tmp)
}

// Sweep removes what a build stopped mid-way (killed, or out of power)
// left beside the outputs: staging layouts (.oci-*), half-written
// tarballs, and blobs in the layout that its index.json does not name.
// Callers let one build at a time write the outputs, so none of it is
// another build's.
func Sweep(out Outputs) error {
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out.Layout), ".oci-*"))
	if out.Tarball != "" {
		tars, _ := filepath.Glob(filepath.Join(filepath.Dir(out.Tarball), "."+filepath.Base(out.Tarball)+"-*"))
		left = append(left, tars...)
	}
	for _, l := range left {
		if err := os.RemoveAll(l); err != nil {
			return fmt.Errorf("removing %s, left by a stopped build: %w", l, err)
		}
	}
	return Prune(out.Layout)
}

// step marks a point of Write where a build may be stopped; tests stop
// it there.
var step = func(string) {}

// swapIn moves the layout staged in dir into dest, which stays a whole
// layout throughout: the blobs go in first, each renamed whole (a blob is
// named by its digest, so one already there is replaced by the same
// bytes, which also mends a damaged one); then oci-layout; then
// index.json, the one rename that switches dest from the old image to the
// new; last, the blobs that only the old image used are removed (Prune).
// A build stopped anywhere leaves the old image or the new one, never
// none (two renames of the whole folder had a moment without dest).
func swapIn(dir, dest string) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("replacing %s: %w", dest, err)
	}
	err := filepath.WalkDir(filepath.Join(dir, "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if err := os.MkdirAll(filepath.Join(dest, rel), 0o755); err != nil {
				return err
			}
			return os.Chmod(filepath.Join(dest, rel), 0o755)
		}
		return os.Rename(path, filepath.Join(dest, rel))
	})
	if err != nil {
		return fmt.Errorf("replacing %s: %w", dest, err)
	}
	step("blobs")
	for _, name := range []string{"oci-layout", "index.json"} {
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(dest, name)); err != nil {
			return fmt.Errorf("replacing %s: %w", dest, err)
		}
	}
	step("index")
	return Prune(dest)
}

// Read opens the index that Write put in the layout dir.
func Read(dir string) (v1.ImageIndex, v1.Descriptor, error) {
	if err := Built(dir); err != nil {
		return nil, v1.Descriptor{}, err
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("reading %s: %w (run 'go tool mage build' first)", dir, err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("reading %s: %w", dir, err)
	}
	im, err := top.IndexManifest()
	if err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("reading %s: %w", dir, err)
	}
	// index.json holds the image index, and the artifacts attached to it.
	var found []v1.Descriptor
	for _, d := range im.Manifests {
		if d.MediaType.IsIndex() {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		return nil, v1.Descriptor{}, fmt.Errorf("reading %s: want one image index in index.json, found %d", dir, len(found))
	}
	idx, err := top.ImageIndex(found[0].Digest)
	if err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("reading %s: %w", dir, err)
	}
	return idx, found[0], nil
}
