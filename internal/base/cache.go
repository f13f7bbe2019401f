package base

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
	"github.com/lehus1/devops-info-service-go/internal/filelock"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
)

// cache is the OCI layout that keeps registry bases for offline builds.
// Every build on the machine shares it, and two may pull into it at once
// (two checkouts, CI jobs side by side), so nothing in it is written in
// place: a base goes to a staging layout beside it first, its blobs are
// renamed into place whole (a blob is named by its digest, so one already
// there holds the same bytes), and index.json is rewritten whole, from its
// latest state, under a lock. A reader sees the old file or the new one,
// never half of one, and no writer drops another's entry.
type cache struct {
	dir   string
	index v1.ImageIndex
}

func openCache(dir string) (*cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c := &cache{dir: dir}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); errors.Is(err, fs.ErrNotExist) {
		if err := c.locked(c.create); err != nil {
			return nil, err
		}
	}
	return c, c.reload()
}

func (c *cache) reload() error {
	idx, err := layout.ImageIndexFromPath(c.dir)
	if err != nil {
		return err
	}
	c.index = idx
	return nil
}

// create makes the cache an empty layout, unless another build just did.
func (c *cache) create() error {
	if _, err := os.Stat(filepath.Join(c.dir, "index.json")); err == nil {
		return nil
	}
	staging, done, err := c.stage()
	if err != nil {
		return err
	}
	defer done()
	// index.json last: it is what says the layout is there.
	for _, name := range []string{"oci-layout", "index.json"} {
		if err := os.Rename(filepath.Join(string(staging), name), filepath.Join(c.dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// stage makes an empty layout in a new folder inside the cache, on the
// same file system, so what is written there can be renamed into place.
func (c *cache) stage() (layout.Path, func(), error) {
	dir, err := os.MkdirTemp(c.dir, ".staging-")
	if err != nil {
		return "", nil, err
	}
	done := func() { os.RemoveAll(dir) }
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		done()
		return "", nil, err
	}
	return p, done, nil
}

// put keeps a, an image or an index, under the reference name ref,
// replacing what ref named before.
func (c *cache) put(ref string, a mutate.Appendable) error {
	staging, done, err := c.stage()
	if err != nil {
		return err
	}
	defer done()
	switch a := a.(type) {
	case v1.ImageIndex:
		err = staging.WriteIndex(a)
	case v1.Image:
		err = staging.WriteImage(a)
	default:
		err = fmt.Errorf("cannot cache a %T", a)
	}
	if err != nil {
		return err
	}
	if err := c.adoptBlobs(staging); err != nil {
		return err
	}
	desc, err := partial.Descriptor(a)
	if err != nil {
		return err
	}
	desc.Annotations = map[string]string{ocispec.AnnotationRefName: ref}
	err = c.locked(func() error {
		// Read now, under the lock: another build may have added a base
		// since this one opened the cache.
		f, err := os.Open(filepath.Join(c.dir, "index.json"))
		if err != nil {
			return err
		}
		m, err := v1.ParseIndexManifest(f)
		f.Close()
		if err != nil {
			return err
		}
		m.Manifests = append(slices.DeleteFunc(m.Manifests, func(d v1.Descriptor) bool { return d.Annotations[ocispec.AnnotationRefName] == ref }), *desc)
		data, err := json.MarshalIndent(m, "", "   ")
		if err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(c.dir, "index.json"), data)
	})
	if err != nil {
		return err
	}
	return c.reload()
}

// adoptBlobs moves the staging layout's blobs into the cache, holding its
// lock. A blob already there with its digest's bytes is kept, not renamed
// over: bases share layers, and a build of another base checking or
// reading that blob at the moment (go-containerregistry's layout refuses
// a blob whose file changes while it opens it) saw it as damaged. One that
// is missing or damaged is replaced.
func (c *cache) adoptBlobs(staging layout.Path) error {
	return c.locked(func() error {
		return filepath.WalkDir(filepath.Join(string(staging), "blobs"), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(string(staging), path)
			if err != nil {
				return err
			}
			dest := filepath.Join(c.dir, rel)
			if sum, err := ocilayout.FileSHA256(dest); err == nil && sum.Hex == filepath.Base(dest) && sum.Algorithm == filepath.Base(filepath.Dir(dest)) {
				return nil // the staging folder goes, with this copy
			}
			if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
				return err
			}
			return os.Rename(path, dest)
		})
	})
}

// locked runs f holding the cache's lock, which other builds' locked
// respect, also in other processes.
func (c *cache) locked(f func() error) error {
	unlock, err := filelock.Lock(filepath.Join(c.dir, ".lock"), io.Discard, "")
	if err != nil {
		return err
	}
	defer unlock()
	return f()
}

// find looks a base up by digest or by reference name.
func (c *cache) find(digest, ref string) (v1.Descriptor, bool) {
	im, err := c.index.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, false
	}
	i := slices.IndexFunc(im.Manifests, func(d v1.Descriptor) bool {
		return digest != "" && d.Digest.String() == digest || ref != "" && d.Annotations[ocispec.AnnotationRefName] == ref
	})
	if i < 0 {
		return v1.Descriptor{}, false
	}
	return im.Manifests[i], true
}

// verify checks every blob of the cached base desc against its digest:
// go-containerregistry reads a layout without checking, so a damaged blob
// would fail the build later with a tar error that names nothing. The
// error names the cache and how to clear it.
func (c *cache) verify(desc v1.Descriptor) error {
	if err := ocilayout.VerifyEntry(c.dir, desc); err != nil {
		return fmt.Errorf("the cached copy in %s is damaged: %w (pull it again with the registry in reach, or clear the cache: rm -rf %s)", c.dir, err, c.dir)
	}
	return nil
}
