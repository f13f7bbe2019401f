package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

const (
	refNameKey = "org.opencontainers.image.ref.name"
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
	// TarballPlatform, tagged TarballTag. With no TarballTag, a tarball
	// left there by an earlier build is removed: it would be stale.
	Tarball         string
	TarballTag      string
	TarballPlatform v1.Platform
	// Also are files written beside the image (SBOMs) that must exist for
	// the outputs to be reused.
	Also []string
}

// Write puts idx in the layout and, if asked, the tarball. Both are
// written under temporary names beside their final ones first and renamed
// into place only when both are whole, so a failure leaves the previous
// outputs as they were.
func Write(idx v1.ImageIndex, out Outputs, inputs string, arts ...Artifact) error {
	parent := filepath.Dir(out.Layout)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", out.Layout, err)
	}
	var tarFile *atomicfile.File
	if out.TarballTag != "" {
		var err error
		if tarFile, err = writeTarball(idx, out); err != nil {
			return err
		}
		defer tarFile.Abort()
	}
	tmp, err := os.MkdirTemp(parent, ".oci-")
	if err != nil {
		return fmt.Errorf("writing %s: %w", out.Layout, err)
	}
	defer os.RemoveAll(tmp)
	p, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return fmt.Errorf("writing %s: %w", out.Layout, err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{refNameKey: out.RefName, inputsKey: inputs})); err != nil {
		return fmt.Errorf("writing %s: %w", out.Layout, err)
	}
	if err := namePlatforms(p, idx, out.RefName); err != nil {
		return fmt.Errorf("writing %s: %w", out.Layout, err)
	}
	if err := attach(p, arts); err != nil {
		return fmt.Errorf("writing %s: %w", out.Layout, err)
	}
	if err := shareable(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", out.Layout, err)
	}
	if err := replaceDir(tmp, out.Layout); err != nil {
		return err
	}
	if out.Tarball == "" {
		return nil
	}
	if tarFile == nil {
		if err := os.Remove(out.Tarball); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing the stale %s: %w", out.Tarball, err)
		}
		return nil
	}
	return tarFile.Commit()
}

// replaceDir moves dir to dest, replacing what was there.
func replaceDir(dir, dest string) error {
	old := ""
	if _, err := os.Stat(dest); err == nil {
		old = dir + ".old"
		if err := os.Rename(dest, old); err != nil {
			return fmt.Errorf("replacing %s: %w", dest, err)
		}
	}
	if err := os.Rename(dir, dest); err != nil {
		if old != "" {
			os.Rename(old, dest)
		}
		return fmt.Errorf("replacing %s: %w", dest, err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

// writeTarball writes the tarball beside its final path, to be committed
// once the layout is in place too.
func writeTarball(idx v1.ImageIndex, out Outputs) (*atomicfile.File, error) {
	tag, err := name.NewTag(out.TarballTag)
	if err != nil {
		return nil, fmt.Errorf("tagging the tarball %q: %w", out.TarballTag, err)
	}
	img, err := PlatformImage(idx, out.TarballPlatform)
	if err != nil {
		return nil, err
	}
	f, err := atomicfile.Create(out.Tarball)
	if err != nil {
		return nil, err
	}
	if err := tarball.Write(tag, img, f); err != nil {
		f.Abort()
		return nil, fmt.Errorf("writing %s: %w", out.Tarball, err)
	}
	return f, nil
}

// PlatformImage is idx's image for p.
func PlatformImage(idx v1.ImageIndex, p v1.Platform) (v1.Image, error) {
	img, err := platform.Image(idx, p)
	if err != nil {
		return nil, fmt.Errorf("the image %w", err)
	}
	return img, nil
}

// Read opens the index that Write put in the layout dir.
func Read(dir string) (v1.ImageIndex, v1.Descriptor, error) {
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

// Reusable says whether the outputs already hold the image made from
// inputs, whole: then the build has nothing to do.
func Reusable(out Outputs, inputs string) (v1.Hash, bool) {
	_, desc, err := Read(out.Layout)
	if err != nil || desc.Annotations[inputsKey] != inputs || desc.Annotations[refNameKey] != out.RefName {
		return v1.Hash{}, false
	}
	// The tarball must be there when one is wanted, and gone when not.
	if _, err := os.Stat(out.Tarball); out.Tarball != "" && (err == nil) != (out.TarballTag != "") {
		return v1.Hash{}, false
	}
	for _, f := range out.Also {
		if _, err := os.Stat(f); err != nil {
			return v1.Hash{}, false
		}
	}
	// Every blob must be whole, or the layout was damaged: then rebuild.
	if err := Verify(out.Layout); err != nil {
		return v1.Hash{}, false
	}
	return desc.Digest, true
}

// Inputs is a fingerprint of everything that goes into the image: the
// binaries, the base, the metadata, the outputs' names and the program
// doing the assembly (so a change to the pipeline itself rebuilds).
func Inputs(base *Base, bins []binary.Artifact, meta Metadata, out Outputs) string {
	h := sha256.New()
	fmt.Fprintf(h, "base %s\ncompression %s\n", base.ID, base.compression)
	for _, b := range bins {
		fmt.Fprintf(h, "bin %s %s\n", platform.Name(b.Platform), b.SHA256)
	}
	ann := meta.Annotations(base)
	keys := make([]string, 0, len(ann))
	for k := range ann {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "meta %s=%s\n", k, ann[k])
	}
	fmt.Fprintf(h, "out %s %s %s\n", out.RefName, out.TarballTag, out.TarballPlatform.String())
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			io.Copy(h, f)
			f.Close()
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Build makes the image from the binaries and writes the outputs, unless
// they already hold the image made from the same inputs; it returns the
// index digest and whether the previous result was reused.
func Build(ctx context.Context, base *Base, bins []binary.Artifact, meta Metadata, out Outputs, log io.Writer, attachFn AttachFunc) (v1.Hash, bool, error) {
	inputs := Inputs(base, bins, meta, out)
	if d, ok := Reusable(out, inputs); ok {
		fmt.Fprintf(log, "image unchanged: reusing %s\n", out.Layout)
		return d, true, nil
	}
	start := time.Now()
	idx, err := Assemble(ctx, base, bins, meta)
	if err != nil {
		return v1.Hash{}, false, err
	}
	var arts []Artifact
	if attachFn != nil {
		im, err := idx.IndexManifest()
		if err != nil {
			return v1.Hash{}, false, err
		}
		for _, m := range im.Manifests {
			a, err := attachFn(*m.Platform, m)
			if err != nil {
				return v1.Hash{}, false, err
			}
			art, err := NewArtifact(a)
			if err != nil {
				return v1.Hash{}, false, err
			}
			arts = append(arts, art)
		}
	}
	if err := Write(idx, out, inputs, arts...); err != nil {
		return v1.Hash{}, false, err
	}
	d, err := idx.Digest()
	if err != nil {
		return v1.Hash{}, false, err
	}
	fmt.Fprintf(log, "assembled %d platform(s) on base %s in %.2fs: %s", len(bins), base.Name, time.Since(start).Seconds(), out.Layout)
	if out.Tarball != "" {
		fmt.Fprintf(log, ", %s (%s)", out.Tarball, out.TarballTag)
	}
	fmt.Fprintln(log)
	return d, false, nil
}
