package sizes

import (
	"archive/tar"
	"path"
	"strings"
)

// wasteTracker follows the files of an image layer by layer and charges
// each layer for the bytes of its files that later layers overwrite or
// delete: the space an image ships but no container sees. Hard links share
// their bytes: they are wasted only when the last name for them goes.
type wasteTracker struct {
	files  map[string]*inode // path → the data it names
	wasted []int64           // by layer
}

type inode struct {
	layer int
	size  int64
	names int
}

func newWasteTracker(layers int) *wasteTracker {
	return &wasteTracker{files: map[string]*inode{}, wasted: make([]int64, layers)}
}

func clean(name string) string { return strings.TrimPrefix(path.Clean("/"+name), "/") }

// entry takes one tar entry of layer i.
func (w *wasteTracker) entry(i int, h *tar.Header) {
	name := clean(h.Name)
	dir, base := path.Dir(name), path.Base(name)
	lower := func(n *inode) bool { return n.layer < i } // whiteouts hide lower layers only
	switch {
	case base == ".wh..wh..opq":
		w.drop(dir, true, lower)
		return
	case strings.HasPrefix(base, ".wh."):
		target := path.Join(dir, strings.TrimPrefix(base, ".wh."))
		w.drop(target, false, lower)
		w.drop(target, true, lower)
		return
	}
	var link *inode
	if h.Typeflag == tar.TypeLink {
		link = w.files[clean(h.Linkname)]
	}
	w.drop(name, false, nil) // overwritten
	if h.Typeflag != tar.TypeDir {
		w.drop(name, true, nil) // a file where a folder was hides the folder's content
	}
	switch {
	case h.Typeflag == tar.TypeReg:
		w.files[name] = &inode{layer: i, size: h.Size, names: 1}
	case link != nil:
		link.names++
		w.files[name] = link
	}
}

// drop forgets name itself or, with under, what lies below it, for the
// names that keep accepts (all, when keep is nil), and charges the bytes
// that lose their last name.
func (w *wasteTracker) drop(name string, under bool, keep func(*inode) bool) {
	forget := func(p string, n *inode) {
		delete(w.files, p)
		if n.names--; n.names == 0 {
			w.wasted[n.layer] += n.size
		}
	}
	if !under {
		if n, ok := w.files[name]; ok && (keep == nil || keep(n)) {
			forget(name, n)
		}
		return
	}
	prefix := name + "/"
	if name == "." || name == "" {
		prefix = ""
	}
	for p, n := range w.files {
		if strings.HasPrefix(p, prefix) && (keep == nil || keep(n)) {
			forget(p, n)
		}
	}
}
