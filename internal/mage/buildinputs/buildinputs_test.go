package buildinputs

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// key is Write's hash of dir.
func key(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	if err := Write(h, dir); err != nil {
		t.Fatalf("Write(%q) = %v", dir, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		change  func(t *testing.T, parent, dir, config string)
		changes bool
	}{
		{"nothing", func(*testing.T, string, string, string) {}, false},
		{"go.mod", func(t *testing.T, _, dir, _ string) { testenv.WriteFile(t, filepath.Join(dir, "go.mod"), "module m\n") }, true},
		{"go.sum in a folder above", func(t *testing.T, parent, _, _ string) { testenv.WriteFile(t, filepath.Join(parent, "go.sum"), "x\n") }, true},
		{"go.work appearing", func(t *testing.T, _, dir, _ string) { testenv.WriteFile(t, filepath.Join(dir, "go.work"), "go 1.26\n") }, true},
		{"go env -w", func(t *testing.T, _, _, config string) {
			testenv.WriteFile(t, filepath.Join(config, "go", "env"), "GOFLAGS=-mod=mod\n")
		}, true},
		{"CGO_ENABLED set, empty", func(t *testing.T, _, _, _ string) { t.Setenv("CGO_ENABLED", "") }, true},
		{"GOFLAGS", func(t *testing.T, _, _, _ string) { t.Setenv("GOFLAGS", "-trimpath") }, true},
		{"another variable", func(t *testing.T, _, _, _ string) { t.Setenv("BUILDINPUTS_TEST", "1") }, false},
		{"another file", func(t *testing.T, _, dir, _ string) {
			testenv.WriteFile(t, filepath.Join(dir, "main.go"), "package main\n")
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range Env {
				t.Setenv(name, "")
				os.Unsetenv(name)
			}
			config := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", config) // os.UserConfigDir on Linux
			t.Setenv("AppData", config)         // on Windows
			parent := t.TempDir()
			dir := filepath.Join(parent, "m")
			testenv.WriteFile(t, filepath.Join(dir, "go.mod"), "module example.test/m\n")
			before := key(t, dir)
			tt.change(t, parent, dir, config)
			if after := key(t, dir); (after != before) != tt.changes {
				t.Errorf("Write after %s: key changed %v, want %v", tt.name, after != before, tt.changes)
			}
		})
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	testenv.WriteFile(t, empty, "")
	sum := func(path string) (string, error) {
		h := sha256.New()
		err := File(h, path)
		return hex.EncodeToString(h.Sum(nil)), err
	}
	missing, err := sum(filepath.Join(dir, "missing"))
	if err != nil {
		t.Fatalf("File(missing) = %v, want nil: a missing file is an input too", err)
	}
	if got, err := sum(empty); err != nil || got == missing {
		t.Errorf("File(empty) = %v, same as missing %v; want a key of its own", err, got == missing)
	}
	if _, err := sum(dir); err == nil {
		t.Errorf("File(a folder) = nil error, want the read's")
	}
}
