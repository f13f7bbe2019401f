package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	for _, want := range []string{"first", "second, longer than the first"} {
		if err := WriteFile(path, []byte(want)); err != nil {
			t.Fatalf("WriteFile(%q) = %v, want nil", want, err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("after WriteFile: file = %q, %v, want %q", got, err, want)
		}
	}
	assertOnly(t, dir, "out.json")
}

func TestAbortKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "image.tar")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("half of the new"); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	f.Abort() // twice is harmless
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("after Abort: file = %q, want %q", got, "old")
	}
	assertOnly(t, dir, "image.tar")
}

func TestAbortAfterCommitKeepsTheNewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	if err := f.Commit(); err != nil {
		t.Fatalf("Commit() = %v, want nil", err)
	}
	f.Abort()
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("after Commit and Abort: file = %q, want %q", got, "new")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != Mode {
		t.Errorf("mode after Commit = %v, %v, want %v", fi.Mode().Perm(), err, Mode)
	}
}

func TestCreateInMissingFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "x")
	if err := WriteFile(path, []byte("x")); err == nil {
		t.Errorf("WriteFile(%q) = nil, want an error", path)
	}
}

// assertOnly checks that dir holds only name: no temporary file is left.
func assertOnly(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %q, want only %q", names, name)
	}
}
