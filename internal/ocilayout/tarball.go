package ocilayout

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

// writeTarball writes the tarball beside its final path, to be committed
// once the layout is in place too.
func writeTarball(idx v1.ImageIndex, out Outputs) (*atomicfile.File, error) {
	img, err := platform.Image(idx, out.TarballPlatform)
	if err != nil {
		return nil, fmt.Errorf("the image %w", err)
	}
	f, err := atomicfile.Create(out.Tarball)
	if err != nil {
		return nil, err
	}
	if err := writeTags(f, img, out.TarballTags); err != nil {
		f.Abort()
		return nil, fmt.Errorf("writing %s: %w", out.Tarball, err)
	}
	return f, nil
}

// writeTags writes img to w as a `docker save` tarball whose one entry
// carries every tag, in the order given: docker and podman load name the
// image with each, and Local's first is the version.
func writeTags(w io.Writer, img v1.Image, tags []string) error {
	refs := map[name.Reference]v1.Image{}
	var order []string
	for _, t := range tags {
		tag, err := name.NewTag(t)
		if err != nil {
			return fmt.Errorf("tagging the tarball %q: %w", t, err)
		}
		refs[tag] = img
		order = append(order, tag.String())
	}
	// MultiRefWrite lists the tags in the order it walks a map: put them
	// back in ours, or two builds of one image would differ.
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarball.MultiRefWrite(refs, pw)) }()
	defer pr.Close()
	return retag(tar.NewReader(pr), tar.NewWriter(w), order)
}

// retag copies a `docker save` tarball, its manifest's one entry tagged
// tags.
func retag(r *tar.Reader, w *tar.Writer, tags []string) error {
	for {
		h, err := r.Next()
		if err == io.EOF {
			return w.Close()
		}
		if err != nil {
			return fmt.Errorf("writing the tarball: %w", err)
		}
		var body io.Reader = r
		if h.Name == "manifest.json" {
			var m tarball.Manifest
			if err := json.NewDecoder(r).Decode(&m); err != nil || len(m) != 1 {
				return fmt.Errorf("writing the tarball: its manifest.json: %v", err)
			}
			m[0].RepoTags = tags
			b, _ := json.Marshal(m)
			h.Size, body = int64(len(b)), bytes.NewReader(b)
		}
		if err := w.WriteHeader(h); err != nil {
			return fmt.Errorf("writing the tarball: %w", err)
		}
		if _, err := io.Copy(w, body); err != nil {
			return fmt.Errorf("writing the tarball: %w", err)
		}
	}
}
