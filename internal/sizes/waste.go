package sizes

import (
	"archive/tar"
	"path"
	"strings"
)

// wasteTracker follows the files of an image layer by layer and charges
// each layer for the bytes of its files that later layers overwrite or
// delete: the space an image ships but no container sees.
type wasteTracker struct {
	files  map[string]owned // path → the layer that holds it and its size
	wasted []int64          // by layer
}

type owned struct {
	layer int
	size  int64
}

func newWasteTracker(layers int) *wasteTracker {
	return &wasteTracker{files: map[string]owned{}, wasted: make([]int64, layers)}
}

// entry takes one tar entry of layer i.
func (w *wasteTracker) entry(i int, h *tar.Header) {
	name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
	dir, base := path.Dir(name), path.Base(name)
	switch {
	case base == ".wh..wh..opq": // an opaque folder: lower layers' content is gone
		w.drop(dir, true, func(o owned) bool { return o.layer < i })
		return
	case strings.HasPrefix(base, ".wh."):
		target := path.Join(dir, strings.TrimPrefix(base, ".wh."))
		w.drop(target, false, nil)
		w.drop(target, true, nil)
		return
	}
	w.drop(name, false, nil) // overwritten
	if h.Typeflag != tar.TypeDir {
		w.drop(name, true, nil) // a file where a folder was hides the folder's content
	}
	if h.Typeflag == tar.TypeReg {
		w.files[name] = owned{layer: i, size: h.Size}
	}
}

// drop charges and forgets name itself or, with under, what lies below it,
// for the files that keep accepts (all, when keep is nil).
func (w *wasteTracker) drop(name string, under bool, keep func(owned) bool) {
	if !under {
		if o, ok := w.files[name]; ok {
			w.wasted[o.layer] += o.size
			delete(w.files, name)
		}
		return
	}
	prefix := name + "/"
	if name == "." || name == "" {
		prefix = ""
	}
	for p, o := range w.files {
		if strings.HasPrefix(p, prefix) && (keep == nil || keep(o)) {
			w.wasted[o.layer] += o.size
			delete(w.files, p)
		}
	}
}
