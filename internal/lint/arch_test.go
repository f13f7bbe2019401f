package lint

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// knownArch are the GOARCH values a file name or a build constraint could
// name (go tool dist list).
var knownArch = []string{"386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle", "ppc64", "ppc64le", "riscv64", "s390x", "wasm"}

// archSpecific says whether a Go file holds code for some GOARCH alone: by
// its name (x_amd64.go, x_linux_arm64.go, also before _test) or by a
// //go:build line that names a GOARCH.
func archSpecific(name string, src []byte) bool {
	stem := strings.TrimSuffix(strings.TrimSuffix(name, ".go"), "_test")
	parts := strings.Split(stem, "_")
	if len(parts) > 1 && slices.Contains(knownArch, parts[len(parts)-1]) {
		return true
	}
	sc := bufio.NewScanner(strings.NewReader(string(src)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "package ") {
			break
		}
		if expr, ok := strings.CutPrefix(line, "//go:build "); ok {
			for _, w := range strings.FieldsFunc(expr, func(r rune) bool { return strings.ContainsRune("!&|() ", r) }) {
				if slices.Contains(knownArch, w) {
					return true
				}
			}
		}
	}
	return false
}

func TestArchSpecific(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      bool
	}{
		{"run.go", "package x\n", false},
		{"run_linux.go", "package x\n", false},
		{"run_amd64.go", "package x\n", true},
		{"run_darwin_arm64.go", "package x\n", true},
		{"run_arm64_test.go", "package x\n", true},
		{"run.go", "//go:build linux && !arm64\n\npackage x\n", true},
		{"run.go", "//go:build unix\n\npackage x\n", false},
		{"run.go", "package x\n\n//go:build amd64\n", false},
	} {
		if got := archSpecific(tc.name, []byte(tc.src)); got != tc.want {
			t.Errorf("archSpecific(%q, %q) = %v, want %v", tc.name, tc.src, got, tc.want)
		}
	}
}

// The module holds no file for one GOARCH alone, which is why the
// cross-compile check need not check darwin/amd64 beside darwin/arm64
// (DefaultTargets).
func TestNoArchSpecificFiles(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "dist" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if archSpecific(d.Name(), src) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("files for one GOARCH alone: %q; add the GOARCHes they serve to DefaultTargets", found)
	}
}
