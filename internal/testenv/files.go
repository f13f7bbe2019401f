package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteFile writes data to path, making its folder first.
func WriteFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteTree writes files, contents by slash-separated path, into dir, and
// returns dir: a module or a checkout for a test to work on, such as
// WriteTree(t, t.TempDir(), map[string]string{"go.mod": ..., "main.go": ...}).
func WriteTree(t testing.TB, dir string, files map[string]string) string {
	t.Helper()
	for name, data := range files {
		WriteFile(t, filepath.Join(dir, filepath.FromSlash(name)), data)
	}
	return dir
}

// GoBinary is the bytes of the running test binary: a Go executable, with
// the build information Go stamps in, for a test that needs one in a
// layer or a reader of ELF files.
func GoBinary(t testing.TB) []byte {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("finding the test binary: %v", err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatalf("reading the test binary: %v", err)
	}
	return data
}

// SetTempDir makes dir what os.TempDir returns for the rest of t, on
// every system: TMPDIR on Unix, TMP and TEMP on Windows.
func SetTempDir(t *testing.T, dir string) {
	t.Helper()
	for _, v := range []string{"TMPDIR", "TMP", "TEMP"} {
		t.Setenv(v, dir)
	}
	if got := os.TempDir(); got != dir {
		t.Fatalf("os.TempDir() = %q after SetTempDir, want %q", got, dir)
	}
}
