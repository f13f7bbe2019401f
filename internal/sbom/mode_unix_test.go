//go:build unix

package sbom

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The SBOM file is readable by every user even under a strict umask, like
// the rest of dist/: root builds in CI, others read.
func TestWriteFileIsReadableByAll(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "x.spdx.json")
	if err := WriteFile(path, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode() != 0o644 {
		t.Errorf("WriteFile under umask 077: mode %v, %v; want -rw-r--r--", fi.Mode(), err)
	}
}
