package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// The launcher's key covers every package of this module the wrapper is
// built from, and the wrapper needs no file the key leaves out.
func TestWrapperPkgs(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}} {{.Module.Path}} {{.SFiles}}{{.CgoFiles}}{{.EmbedFiles}}{{end}}", "./wrapper").Output()
	if err != nil {
		t.Fatalf("go list -deps ./wrapper: %v", err)
	}
	const module = "github.com/lehus1/devops-info-service-go"
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[1] != module {
			continue
		}
		got = append(got, strings.TrimPrefix(f[0], module+"/"))
		if f[2] != "[][][]" {
			t.Errorf("package %s has files other than .go (%s), which the launcher's key leaves out", f[0], f[2])
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(wrapperPkgs))
	if !slices.Equal(got, want) {
		t.Errorf("the wrapper's packages in this module = %q, want wrapperPkgs %q", got, want)
	}
}

// fakeRoot is a module with the wrapper's packages, one file each.
func fakeRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	testenv.WriteFile(t, filepath.Join(root, "go.mod"), "module example.test/m\n")
	testenv.WriteFile(t, filepath.Join(root, "go.sum"), "")
	for _, pkg := range wrapperPkgs {
		testenv.WriteFile(t, filepath.Join(root, pkg, "a.go"), "package a\n")
	}
	return root
}

func TestInputs(t *testing.T) {
	tests := []struct {
		name    string
		change  func(t *testing.T, root string)
		changes bool
	}{
		{"nothing", func(*testing.T, string) {}, false},
		{"the wrapper's source", func(t *testing.T, root string) {
			testenv.WriteFile(t, filepath.Join(root, wrapperPkgs[0], "a.go"), "package b\n")
		}, true},
		{"a new file", func(t *testing.T, root string) {
			testenv.WriteFile(t, filepath.Join(root, wrapperPkgs[0], "b.go"), "package a\n")
		}, true},
		{"a package it imports", func(t *testing.T, root string) {
			testenv.WriteFile(t, filepath.Join(root, wrapperPkgs[1], "a.go"), "package b\n")
		}, true},
		{"go.sum (Mage's version)", func(t *testing.T, root string) { testenv.WriteFile(t, filepath.Join(root, "go.sum"), "x\n") }, true},
		{"GOFLAGS", func(t *testing.T, _ string) { t.Setenv("GOFLAGS", "-mod=mod") }, true},
		{"a test", func(t *testing.T, root string) {
			testenv.WriteFile(t, filepath.Join(root, wrapperPkgs[0], "a_test.go"), "package a\n")
		}, false},
		{"another package", func(t *testing.T, root string) {
			testenv.WriteFile(t, filepath.Join(root, "app", "a.go"), "package b\n")
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeRoot(t)
			before, err := inputs(root, "/bin/go")
			if err != nil {
				t.Fatal(err)
			}
			tt.change(t, root)
			after, err := inputs(root, "/bin/go")
			if err != nil || (after != before) != tt.changes {
				t.Errorf("inputs after %s = %q, %v; before %q; want changed %v", tt.name, after, err, before, tt.changes)
			}
		})
	}
	if other, _ := inputs(fakeRoot(t), "/usr/bin/go"); other == "" {
		t.Errorf("inputs with another go = %q, want a key", other)
	}
	if _, err := inputs(t.TempDir(), "/bin/go"); err == nil {
		t.Errorf("inputs of a folder without the wrapper's sources = nil error, want one")
	}
}

// fakeGo puts a go command first on PATH that logs its calls to the
// returned file and runs script.
func fakeGo(t *testing.T, script string) (log string) {
	t.Helper()
	testenv.SkipOnWindows(t, "a shell script stands in for the go command")
	bin := t.TempDir()
	log = filepath.Join(bin, "calls")
	testenv.WriteFile(t, filepath.Join(bin, "go"), "#!/bin/sh\necho \"$@\" >> '"+log+"'\n"+script)
	if err := os.Chmod(filepath.Join(bin, "go"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return log
}

func calls(t *testing.T, log string) int {
	data, _ := os.ReadFile(log)
	return strings.Count(string(data), "\n")
}

// The wrapper is built once per key, as the wrapper builds the magefile.
func TestWrapper(t *testing.T) {
	log := fakeGo(t, "printf 'CGO_ENABLED=%s GOFLAGS=%s\\n' \"$CGO_ENABLED\" \"$GOFLAGS\" > \"$3\"\n")
	cache := t.TempDir()
	t.Setenv("MAGEFILE_CACHE", cache)
	os.Unsetenv("CGO_ENABLED")
	t.Setenv("GOFLAGS", "-mod=mod")
	var said strings.Builder
	progress = &said
	t.Cleanup(func() { progress = os.Stderr })
	exe, err := wrapper()
	if err != nil {
		t.Fatal(err)
	}
	const compiling = "compiling mage's wrapper (first run, or internal/mage changed)\n"
	if said.String() != compiling {
		t.Errorf("wrapper() said %q, want %q", said.String(), compiling)
	}
	if data, _ := os.ReadFile(exe); string(data) != "CGO_ENABLED=0 GOFLAGS=-mod=mod -trimpath\n" {
		t.Errorf("wrapper() built with %q, want no cgo and -trimpath added", data)
	}
	said.Reset()
	if again, err := wrapper(); again != exe || err != nil || calls(t, log) != 1 || said.Len() > 0 {
		t.Errorf("wrapper() again = %q, %v after %d builds, saying %q; want %q from the one build, said nothing", again, err, calls(t, log), said.String(), exe)
	}
	t.Setenv("GOFLAGS", "")
	if other, err := wrapper(); other == exe || err != nil || calls(t, log) != 2 {
		t.Errorf("wrapper() with other GOFLAGS = %q, %v after %d builds; want a second build", other, err, calls(t, log))
	}
	if left, _ := filepath.Glob(filepath.Join(cache, "*.tmp")); len(left) > 0 {
		t.Errorf("wrapper() left %q", left)
	}
}

// A build that fails says so, and leaves nothing.
func TestWrapperBuildFails(t *testing.T) {
	fakeGo(t, "echo 'cannot build' >&2; : > \"$3\"; exit 1\n")
	cache := t.TempDir()
	t.Setenv("MAGEFILE_CACHE", cache)
	if exe, err := wrapper(); err == nil || !strings.Contains(err.Error(), "building the wrapper") {
		t.Errorf("wrapper() with a failing go build = %q, %v; want an error saying what was being done", exe, err)
	}
	if left, _ := os.ReadDir(cache); len(left) > 0 {
		t.Errorf("a failed build left %v", left)
	}
	t.Setenv("MAGEFILE_CACHE", filepath.Join(cache, "file", "cache"))
	testenv.WriteFile(t, filepath.Join(cache, "file"), "")
	if _, err := wrapper(); err == nil {
		t.Errorf("wrapper() with a cache folder under a file = nil error, want one")
	}
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	files := []struct {
		name string
		age  time.Duration
		kept bool
	}{
		{"mage-wrapper-current", 5 * time.Hour, true},
		{"mage-wrapper-a", time.Hour, true},
		{"mage-wrapper-b", 2 * time.Hour, true},
		{"mage-wrapper-c", 3 * time.Hour, false},
		{"mage-wrapper-d.1.tmp", 2 * time.Hour, false}, // a killed build's
		{"mage-wrapper-e.2.tmp", time.Minute, true},    // a build under way
		{"mage-0123456789ab-f", 9 * time.Hour, true},   // a magefile's
	}
	for _, f := range files {
		testenv.WriteFile(t, filepath.Join(dir, f.name), "")
		os.Chtimes(filepath.Join(dir, f.name), now.Add(-f.age), now.Add(-f.age))
	}
	prune(dir, filepath.Join(dir, "mage-wrapper-current"))
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f.name)); (err == nil) != f.kept {
			t.Errorf("after prune, %s there = %v, want %v", f.name, err == nil, f.kept)
		}
	}
}

func TestCacheDir(t *testing.T) {
	t.Setenv("MAGEFILE_CACHE", "")
	t.Setenv("HOME", "/home/u")
	t.Setenv("HOMEDRIVE", `C:`)
	t.Setenv("HOMEPATH", `\Users\u`)
	want := filepath.Join("/home/u", ".magefile")
	if runtime.GOOS == "windows" {
		want = filepath.Join(`C:`, `\Users\u`, "magefile")
	}
	if got := cacheDir(); got != want {
		t.Errorf("cacheDir() = %q, want %q as mage", got, want)
	}
	t.Setenv("MAGEFILE_CACHE", "/c")
	if got := cacheDir(); got != "/c" {
		t.Errorf("cacheDir() with MAGEFILE_CACHE=/c = %q, want /c", got)
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := moduleRoot()
	want, _ := filepath.Abs(filepath.Join("..", ".."))
	if root != want || err != nil {
		t.Errorf("moduleRoot() = %q, %v; want %q", root, err, want)
	}
}

func TestRootOf(t *testing.T) {
	want, _ := filepath.Abs(filepath.Join("..", ".."))
	here, _ := filepath.Abs("main.go")
	alone := filepath.Join(t.TempDir(), "main.go") // no go.mod above a temporary folder
	testenv.WriteFile(t, alone, "package main\n")
	tests := []struct {
		name, file, want string
		wantErr          bool
	}{
		{"an absolute path", here, want, false},
		{"a -trimpath build's import path", "github.com/lehus1/devops-info-service-go/internal/mage/main.go", want, false},
		{"a package go list does not know", "example.invalid/nothing/main.go", "", true},
		{"no go.mod above", alone, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rootOf(tt.file)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("rootOf(%q) = %q, %v; want %q, error %v", tt.file, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// An edit saved while the wrapper compiles, then undone, must not leave
// the edited wrapper cached for the undone sources. The fake go command
// saves the edit as it starts and "compiles" by copying the source.
func TestWrapperEditDuringBuild(t *testing.T) {
	root := fakeRoot(t)
	src := filepath.Join(root, wrapperPkgs[0], "a.go")
	done := filepath.Join(t.TempDir(), "done")
	fakeGo(t, "if [ ! -e '"+done+"' ]; then touch '"+done+"'; echo 'package during' > '"+src+"'; fi\ncat '"+src+"' > \"$3\"\n")
	t.Setenv("MAGEFILE_CACHE", t.TempDir())
	if _, err := wrapperIn(root); err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, filepath.Join(root, wrapperPkgs[0], "a.go"), "package a\n") // the edit undone
	exe, err := wrapperIn(root)
	if data, _ := os.ReadFile(exe); err != nil || string(data) != "package a\n" {
		t.Errorf("wrapperIn() after an edit during the build, undone = a binary of %q, %v; want one of %q", data, err, "package a\n")
	}
}
