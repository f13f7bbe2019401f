package layer

import (
	"archive/tar"
	"errors"
	"io"
	"io/fs"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Walk calls fn for each entry of l's uncompressed tar, in order, with a
// reader of the entry's content. An error from fn ends the walk and is
// returned, but for fs.SkipAll, which ends it without one.
func Walk(l v1.Layer, fn func(h *tar.Header, content io.Reader) error) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	return WalkTar(rc, fn)
}

// WalkTar is Walk over the tar stream r. It reads r up to the
// end-of-archive marker, not beyond.
func WalkTar(r io.Reader, fn func(h *tar.Header, content io.Reader) error) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(h, tr); errors.Is(err, fs.SkipAll) {
			return nil
		} else if err != nil {
			return err
		}
	}
}
