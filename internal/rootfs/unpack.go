// Package rootfs unpacks an image's layers into a root filesystem, as a
// container runtime does, without letting any entry reach outside it.
package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/layer"
)

// Stats counts what Unpack did not copy as it was.
type Stats struct {
	// Skipped are device nodes and FIFOs: a container gets its devices
	// from the runtime, never from an image.
	Skipped int
}

// Unpack applies img's layers in order to the folder dir, as a runtime
// does: whiteouts delete, opaque whiteouts empty a folder. Every write goes
// through an os.Root, so no entry, symlink or hard link can reach outside
// dir; an entry that tries is an error. Set-user-ID and set-group-ID bits
// are dropped. Owners are kept when running as root.
func Unpack(img v1.Image, dir string) (Stats, error) {
	var st Stats
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, fmt.Errorf("unpacking: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return st, fmt.Errorf("unpacking: %w", err)
	}
	defer root.Close()
	layers, err := img.Layers()
	if err != nil {
		return st, fmt.Errorf("unpacking: %w", err)
	}
	for i, l := range layers {
		if err := unpackLayer(root, l, &st); err != nil {
			return st, fmt.Errorf("unpacking layer %d: %w", i+1, err)
		}
	}
	return st, nil
}

func unpackLayer(root *os.Root, l v1.Layer, st *Stats) error {
	added := map[string]bool{} // this layer's own entries, which an opaque whiteout keeps
	return layer.Walk(l, func(hdr *tar.Header, content io.Reader) error {
		// Cleaning against "/" turns "../../x" into "x": inside, always.
		name := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if name == "" {
			return nil
		}
		dir, base := path.Dir(name), path.Base(name)
		switch {
		case base == ".wh..wh..opq":
			if err := emptyDir(root, dir, added); err != nil {
				return fmt.Errorf("entry %s: %w", hdr.Name, err)
			}
			return nil
		case strings.HasPrefix(base, ".wh."):
			target := strings.TrimPrefix(base, ".wh.")
			if target == "" || target == "." || target == ".." {
				return fmt.Errorf("entry %s: a whiteout must name a file", hdr.Name)
			}
			if err := root.RemoveAll(path.Join(dir, target)); err != nil {
				return fmt.Errorf("entry %s: %w", hdr.Name, err)
			}
			return nil
		}
		done, err := writeEntry(root, name, hdr, content)
		if err != nil {
			return fmt.Errorf("entry %s: %w", hdr.Name, err)
		}
		if !done {
			st.Skipped++
			return nil
		}
		// The entry and the folders leading to it are this layer's: an
		// opaque whiteout later in the layer keeps them.
		for p := name; p != "."; p = path.Dir(p) {
			added[p] = true
		}
		if os.Geteuid() == 0 {
			if err := root.Lchown(name, hdr.Uid, hdr.Gid); err != nil {
				return fmt.Errorf("entry %s: %w", hdr.Name, err)
			}
		}
		return nil
	})
}

// writeEntry creates one entry; false means it was skipped on purpose.
func writeEntry(root *os.Root, name string, hdr *tar.Header, r io.Reader) (bool, error) {
	mode := fs.FileMode(hdr.Mode).Perm() // no set-user-ID or set-group-ID
	if hdr.Mode&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	if parent := path.Dir(name); parent != "." {
		if err := root.MkdirAll(parent, 0o755); err != nil {
			return false, err
		}
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if fi, err := root.Lstat(name); err == nil && !fi.IsDir() {
			if err := root.RemoveAll(name); err != nil {
				return false, err
			}
		}
		if err := root.MkdirAll(name, 0o755); err != nil {
			return false, err
		}
		return true, root.Chmod(name, mode)
	case tar.TypeReg:
		if err := replace(root, name); err != nil {
			return false, err
		}
		f, err := root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return false, err
		}
		_, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return false, err
		}
		return true, root.Chmod(name, mode)
	case tar.TypeSymlink:
		if err := replace(root, name); err != nil {
			return false, err
		}
		// The target is stored as it is; os.Root refuses to follow it out
		// of the tree for any later entry.
		return true, root.Symlink(hdr.Linkname, name)
	case tar.TypeLink:
		if err := replace(root, name); err != nil {
			return false, err
		}
		return true, root.Link(strings.TrimPrefix(path.Clean("/"+hdr.Linkname), "/"), name)
	default: // devices, FIFOs and the like
		return false, nil
	}
}

// replace clears the way for a new non-folder entry.
func replace(root *os.Root, name string) error {
	if err := root.RemoveAll(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// emptyDir removes what lower layers put in dir, keeping this layer's
// entries; in a folder this layer also wrote to, it keeps going down.
func emptyDir(root *os.Root, dir string, keep map[string]bool) error {
	f, err := root.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		switch {
		case !keep[p]:
			if err := root.RemoveAll(p); err != nil {
				return err
			}
		case e.IsDir():
			if err := emptyDir(root, p, keep); err != nil {
				return err
			}
		}
	}
	return nil
}
