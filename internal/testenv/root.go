package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot is the repository's root: the nearest folder at or above the
// test's own (a package's folder, where go test runs it) that holds go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("finding the module root: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("finding the module root: no go.mod at or above the test's folder")
		}
		dir = parent
	}
}
