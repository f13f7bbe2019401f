// Package atomicfile writes a file whole or not at all: the bytes go to a
// temporary file beside the destination, which is renamed over it only
// once complete. A reader sees the old file or the new one, never half of
// one, and a failure leaves the old one as it was.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Mode is the mode of every file written here: readable by every user
// whatever the umask (os.CreateTemp makes 0600), since root builds in CI
// and others read what it wrote.
const Mode os.FileMode = 0o644

// File is a file being written under a temporary name beside its final
// one. Commit puts it in place; Abort (safe after Commit) throws it away.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path, in a temporary file in path's folder (the
// same file system, so that the rename is atomic).
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return &File{File: f, path: path}, nil
}

// Commit closes the file and renames it over its final path.
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	err := f.Chmod(Mode)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	return nil
}

// Abort closes and removes the temporary file, unless Commit has put it in
// place. Deferred after Create, it cleans up every early return.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// WriteFile writes data to path, whole or not at all.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Commit()
}
