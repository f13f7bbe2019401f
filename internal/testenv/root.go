package testenv

import (
	"os"
	"path/filepath"
	"strings"
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

// CopyFiles copies the files under root that match patterns (globs such
// as "app/*.go", relative to root), leaving out tests, into the same
// places under dir, each through edit (nil: as they are). It fails the
// test when a pattern matches nothing.
func CopyFiles(t testing.TB, root, dir string, edit func([]byte) []byte, patterns ...string) {
	t.Helper()
	for _, pattern := range patterns {
		files, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil || len(files) == 0 {
			t.Fatalf("copying %s from %s: no such files (%v)", pattern, root, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if edit != nil {
				data = edit(data)
			}
			rel, err := filepath.Rel(root, f)
			if err != nil {
				t.Fatal(err)
			}
			WriteFile(t, filepath.Join(dir, rel), string(data))
		}
	}
}
