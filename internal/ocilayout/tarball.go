package ocilayout

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

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
	parsed, err := parseTags(tags)
	if err != nil {
		return err
	}
	refs := map[name.Reference]v1.Image{}
	var order []string
	for _, t := range parsed {
		refs[t] = img
		order = append(order, t.String())
	}
	// MultiRefWrite lists the tags in the order it walks a map: put them
	// back in ours, or two builds of one image would differ.
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarball.MultiRefWrite(refs, pw)) }()
	defer pr.Close()
	return retag(tar.NewReader(pr), tar.NewWriter(w), order)
}

// parseTags parses the tarball's tags.
func parseTags(tags []string) ([]name.Tag, error) {
	var parsed []name.Tag
	for _, t := range tags {
		tag, err := name.NewTag(t)
		if err != nil {
			return nil, fmt.Errorf("tagging the tarball %q: %w", t, err)
		}
		parsed = append(parsed, tag)
	}
	return parsed, nil
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

// tarballWhole reports whether out.Tarball is whole and holds idx's image
// for out.TarballPlatform with out's tags (true when no tarball is
// wanted): its entries read to the archive's end, which is the file's end;
// its config is the image's, byte for byte; its manifest names that config,
// the tags and the image's layers, each of the layer's size. A tarball cut
// short, grown, or of another image is written again, not reused. The
// layers' bytes are not read: hashing them would cost every no-op build a
// few milliseconds, for an edit made inside a layer by hand.
func tarballWhole(idx v1.ImageIndex, out Outputs) bool {
	if len(out.TarballTags) == 0 {
		return true
	}
	img, err := platform.Image(idx, out.TarballPlatform)
	if err != nil {
		return false
	}
	cfg, err := img.ConfigName()
	if err != nil {
		return false
	}
	m, err := img.Manifest()
	if err != nil {
		return false
	}
	parsed, err := parseTags(out.TarballTags)
	if err != nil {
		return false
	}
	var tags []string
	for _, t := range parsed {
		tags = append(tags, t.String())
	}
	f, err := os.Open(out.Tarball)
	if err != nil {
		return false
	}
	defer f.Close()
	sizes := map[string]int64{}
	var manifest tarball.Manifest
	tr := tar.NewReader(f) // skips entries' bodies by seeking, not reading
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return false
		}
		sizes[h.Name] = h.Size
		switch h.Name {
		case "manifest.json":
			if err := json.NewDecoder(tr).Decode(&manifest); err != nil {
				return false
			}
		case cfg.String():
			if sum, _, err := v1.SHA256(tr); err != nil || sum != cfg {
				return false
			}
		}
	}
	end, err := f.Seek(0, io.SeekCurrent)
	if fi, serr := f.Stat(); err != nil || serr != nil || end != fi.Size() {
		return false
	}
	if len(manifest) != 1 || manifest[0].Config != cfg.String() || !slices.Equal(manifest[0].RepoTags, tags) ||
		len(manifest[0].Layers) != len(m.Layers) || len(sizes) != 2+len(m.Layers) {
		return false
	}
	for i, l := range m.Layers {
		name := manifest[0].Layers[i]
		if size, ok := sizes[name]; !ok || size != l.Size || !strings.HasPrefix(name, l.Digest.Hex+".") {
			return false
		}
	}
	return true
}
