package ocilayout

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// Verify checks every blob that the layout in dir names, from index.json
// down to each layer, against its digest: a truncated, edited or missing
// blob is an error. go-containerregistry reads layouts without checking,
// so this runs before a layout is reused or run.
func Verify(dir string) error {
	_, err := reachable(dir, true)
	return err
}

// reachable returns every blob the layout in dir names; with check, it
// verifies the layout as Verify does, else it reads only the indexes and
// manifests that name the others.
func reachable(dir string, check bool) (map[v1.Hash]bool, error) {
	if err := Built(dir); err != nil {
		return nil, err
	}
	top, err := topIndex(dir)
	if err != nil {
		return nil, fmt.Errorf("%s is damaged: %w (run 'go tool mage build')", dir, err)
	}
	seen := map[v1.Hash]bool{}
	for _, d := range top.Manifests {
		if err := verifyBlob(dir, d, seen, check); err != nil {
			return nil, fmt.Errorf("%s is damaged: %w (run 'go tool mage build')", dir, err)
		}
	}
	return seen, nil
}

// topIndex is what the layout's index.json lists.
func topIndex(dir string) (*v1.IndexManifest, error) {
	idx, err := layout.Path(dir).ImageIndex()
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	return im, nil
}

// VerifyEntry checks the blobs of one entry d of the layout in dir, and
// everything it names, against their digests: a layout shared by many
// images (a cache) is checked one image at a time.
func VerifyEntry(dir string, d v1.Descriptor) error {
	return verifyBlob(dir, d, map[v1.Hash]bool{}, true)
}

// Prune removes the blobs of the layout in dir that its index.json does
// not name, directly or through an index or manifest: those only a
// replaced image used, or that a stopped build added. It reads the
// indexes and manifests, not the layers (every build runs it first): a
// layout whose index or manifests cannot be read is left as it is, for
// the next build to replace.
func Prune(dir string) error {
	keep, err := reachable(dir, false)
	if err != nil {
		return nil
	}
	return filepath.WalkDir(filepath.Join(dir, "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		h := v1.Hash{Algorithm: filepath.Base(filepath.Dir(path)), Hex: d.Name()}
		if keep[h] {
			return nil
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("pruning %s: %w", dir, err)
		}
		return nil
	})
}

// verifyBlob checks d's blob and, for an index or a manifest, what it
// names; without check, it only reads the indexes and manifests.
func verifyBlob(dir string, d v1.Descriptor, seen map[v1.Hash]bool, check bool) error {
	if seen[d.Digest] {
		return nil
	}
	seen[d.Digest] = true
	if d.Digest.Algorithm != "sha256" {
		return fmt.Errorf("blob %s: unsupported digest algorithm", d.Digest)
	}
	if !check && !d.MediaType.IsIndex() && !d.MediaType.IsImage() {
		return nil
	}
	f, err := layout.Path(dir).Blob(d.Digest)
	if err != nil {
		return fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	defer f.Close()
	h := sha256.New()
	var body []byte
	var r io.Reader = f
	if d.MediaType.IsIndex() || d.MediaType.IsImage() {
		if body, err = io.ReadAll(io.LimitReader(f, 4<<20)); err != nil {
			return fmt.Errorf("blob %s: %w", d.Digest, err)
		}
		h.Write(body)
		r = nil
	}
	n := int64(len(body))
	if r != nil {
		if n, err = io.Copy(h, r); err != nil {
			return fmt.Errorf("blob %s: %w", d.Digest, err)
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != d.Digest.Hex || n != d.Size {
		return fmt.Errorf("blob %s does not match its digest or size (%d bytes, want %d)", d.Digest, n, d.Size)
	}
	switch {
	case d.MediaType.IsIndex():
		var im v1.IndexManifest
		if err := json.Unmarshal(body, &im); err != nil {
			return fmt.Errorf("index %s: %w", d.Digest, err)
		}
		for _, c := range im.Manifests {
			if err := verifyBlob(dir, c, seen, check); err != nil {
				return err
			}
		}
	case d.MediaType.IsImage():
		var m v1.Manifest
		if err := json.Unmarshal(body, &m); err != nil {
			return fmt.Errorf("manifest %s: %w", d.Digest, err)
		}
		for _, c := range append([]v1.Descriptor{m.Config}, m.Layers...) {
			if err := verifyBlob(dir, c, seen, check); err != nil {
				return err
			}
		}
	}
	return nil
}
