package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// A magefile that prints what a package of its module says.
const greeter = `//go:build mage

package main

import (
	"fmt"

	"example.test/m/greet"
)

// Hello says hello.
func Hello() { fmt.Println(greet.Line) }
`

// runHello runs the hello target in dir and returns its stdout and stderr.
func runHello(t *testing.T, dir string) (stdout, stderr string) {
	t.Helper()
	var out, errs strings.Builder
	if code := run([]string{"-d", dir, "hello"}, strings.NewReader(""), &out, &errs); code != 0 {
		t.Fatalf("run(hello) = %d, stderr %q; want 0", code, errs.String())
	}
	return out.String(), errs.String()
}

// compiling is the line a run says before it compiles the magefile.
const compiling = "compiling the magefile (first run, or it or a package it imports changed)\n"

// binaries lists the compiled magefiles in the cache, and anything else
// a run left there but the lock and the lists of imports.
func binaries(t *testing.T, cacheDir string) []string {
	t.Helper()
	entries, err := os.ReadDir(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); !strings.HasSuffix(n, ".lock") && !strings.HasSuffix(n, ".deps") {
			names = append(names, n)
		}
	}
	return names
}

// The binary is compiled once and reused; an edit to the magefile, or to
// a package of the module it imports (which mage's own cache misses),
// compiles it again; an edit elsewhere does not. Nothing is left in the
// temporary folder.
func TestCache(t *testing.T) {
	testenv.SkipIfShort(t, "compiles magefiles")
	cacheDir, tmp := t.TempDir(), t.TempDir()
	t.Setenv("MAGEFILE_CACHE", cacheDir)
	t.Setenv("TMPDIR", tmp)
	dir := project(t, greeter)
	pkg := filepath.Join(dir, "greet", "greet.go")
	testenv.WriteFile(t, pkg, "package greet\n\nconst Line = \"one\"\n")
	testenv.WriteFile(t, filepath.Join(dir, "other", "other.go"), "package other\n")

	steps := []struct {
		name, path, data string
		want             string
		wantNew          bool
	}{
		{"first run", "", "", "one\n", true},
		{"nothing changed", "", "", "one\n", false},
		{"imported package edited", pkg, "package greet\n\nconst Line = \"two\"\n", "two\n", true},
		{"package not imported edited", filepath.Join(dir, "other", "other.go"), "package other\n\nconst X = 1\n", "two\n", false},
		// Another command is compiling: mage's main for it is beside the
		// magefile until its compile ends.
		{"mage's main of another compile", filepath.Join(dir, mainfile), "//go:build ignore\n\npackage main\n\nfunc main() {}\n", "two\n", false},
		{"test of imported package added", filepath.Join(dir, "greet", "greet_test.go"), "package greet\n", "two\n", false},
		{"file added to imported package", filepath.Join(dir, "greet", "more.go"), "package greet\n\nconst More = 1\n", "two\n", true},
		{"magefile edited", filepath.Join(dir, "magefile.go"), strings.Replace(greeter, "greet.Line)", "greet.Line, \"!\")", 1), "two !\n", true},
	}
	var before []string
	for _, s := range steps {
		if s.path != "" {
			testenv.WriteFile(t, s.path, s.data)
		}
		got, said := runHello(t, dir)
		if got != s.want {
			t.Errorf("%s: run(hello) printed %q, want %q", s.name, got, s.want)
		}
		// A newcomer's first command compiles for most of a minute: it
		// says so, and only then.
		if wantSaid := map[bool]string{true: compiling}[s.wantNew]; said != wantSaid {
			t.Errorf("%s: run(hello) said %q on stderr, want %q", s.name, said, wantSaid)
		}
		after := binaries(t, cacheDir)
		isNew := false
		for _, name := range after {
			isNew = isNew || !slices.Contains(before, name)
		}
		if isNew != s.wantNew {
			t.Errorf("%s: binaries %q after %q; want a new one: %v", s.name, after, before, s.wantNew)
		}
		if len(after) > keep {
			t.Errorf("%s: %d binaries cached, want at most %d: %q", s.name, len(after), keep, after)
		}
		before = after
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("%s: %d files left in TMPDIR, first %q", s.name, len(left), left[0].Name())
		}
	}
}

// An edit made to an imported package while the magefile compiles is not
// hidden: saved just after the go command read the package, the next run
// compiles again rather than take that binary for the edited package;
// saved just before it read the package and then undone, the binary of the
// edit is not taken for the undone package. The go command here edits the
// package just after, or just before, its build.
func TestCacheEditDuringCompile(t *testing.T) {
	testenv.SkipIfShort(t, "compiles magefiles")
	testenv.SkipOnWindows(t, "the go command that edits is a shell script")
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	const one = "package greet\n\nconst Line = \"one\"\n"
	tests := []struct {
		name   string
		file   string   // what is edited, in the project
		edited string   // its contents after the edit
		before bool     // the edit is saved before go build, not after
		undo   bool     // the edit is undone after the first run
		want   []string // what the two runs print
	}{
		{"package saved after the build read it", "greet/greet.go", "package greet\n\nconst Line = \"two\"\n", false, false, []string{"one\n", "two\n"}},
		{"package saved before the build read it, then undone", "greet/greet.go", "package greet\n\nconst Line = \"two\"\n", true, true, []string{"two\n", "one\n"}},
		{"magefile saved before the build read it, then undone", "magefile.go", strings.Replace(greeter, "greet.Line)", "greet.Line, \"!\")", 1), true, true, []string{"one !\n", "one\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MAGEFILE_CACHE", t.TempDir())
			dir := project(t, greeter)
			testenv.WriteFile(t, filepath.Join(dir, "greet", "greet.go"), one)
			path := filepath.Join(dir, filepath.FromSlash(tt.file))
			original, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			edited := filepath.Join(t.TempDir(), "edited")
			testenv.WriteFile(t, edited, tt.edited)
			marker := filepath.Join(t.TempDir(), "saved")
			edit := fmt.Sprintf("if [ \"$1\" = build ] && [ ! -e %q ]; then : > %q; cp %q %q; fi\n", marker, marker, edited, path)
			before, after := "", edit
			if tt.before {
				before, after = edit, ""
			}
			gocmd := filepath.Join(t.TempDir(), "go")
			testenv.WriteFile(t, gocmd, fmt.Sprintf("#!/bin/sh\n%s%q \"$@\"; rc=$?\n%sexit $rc\n", before, goCmd, after))
			if err := os.Chmod(gocmd, 0o755); err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.want {
				if i == 1 && tt.undo {
					testenv.WriteFile(t, path, string(original))
				}
				var stdout, stderr strings.Builder
				if code := run([]string{"-d", dir, "-gocmd", gocmd, "hello"}, strings.NewReader(""), &stdout, &stderr); code != 0 || stdout.String() != want {
					t.Errorf("run %d: run(hello) = %d, stdout %q, stderr %q; want 0 and %q", i+1, code, stdout.String(), stderr.String(), want)
				}
				for _, name := range binaries(t, os.Getenv("MAGEFILE_CACHE")) {
					if strings.HasSuffix(name, ".tmp") {
						t.Errorf("run %d left a compile's folder in the cache: %s", i+1, name)
					}
				}
			}
			if _, err := os.Stat(marker); err != nil {
				t.Errorf("the go command did not edit the package during the compile: %v", err)
			}
		})
	}
}

// prune removes the folder of a compile that was killed, but not one so
// fresh that another run may be about to start the binary in it.
func TestPruneLeavesFreshCompiles(t *testing.T) {
	tests := []struct {
		name string
		age  time.Duration
		want bool // the folder is still there
	}{
		{"fresh", 0, true},
		{"just under the age", tmpAge - 10*time.Second, true},
		{"left by a killed compile", tmpAge + time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(t.TempDir(), "project")
			tmp := c.path(c.prefix + "123.tmp")
			testenv.WriteFile(t, filepath.Join(tmp, "mage"), "binary")
			when := time.Now().Add(-tt.age)
			if err := os.Chtimes(tmp, when, when); err != nil {
				t.Fatal(err)
			}
			c.prune()
			if _, err := os.Stat(tmp); (err == nil) != tt.want {
				t.Errorf("after prune, Stat(%s) = %v; want it there: %v", tmp, err, tt.want)
			}
		})
	}
}
