//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A file is readable by every user even under a strict umask, like the
// rest of dist/: root builds in CI, others read.
func TestWriteFileIsReadableByAll(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "x.spdx.json")
	if err := WriteFile(path, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode() != Mode {
		t.Errorf("WriteFile under umask 077: mode %v, %v; want %v", fi.Mode(), err, Mode)
	}
}
