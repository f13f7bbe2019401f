package binary

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

func TestHeader(t *testing.T) {
	tests := []struct{ src, want string }{
		{"package main\n\nfunc main() {}\n", "package main\n\n"},
		{"//go:build linux\n\npackage main; var x = 1", "//go:build linux\n\npackage main; "},
		{"package main\n\nimport \"os\"\nimport (\n\t_ \"embed\"\n\t. \"fmt\"\n\tx \"strings\" // why\n)\n\ntype T struct{}\n",
			"package main\n\nimport \"os\"\nimport (\n\t_ \"embed\"\n\t. \"fmt\"\n\tx \"strings\" // why\n)\n\n"},
		{"/* no package clause */ func f() {}", "/* no package clause */ func f() {}"},
		{"package p\n\nimport \"C\"\n\nconst c = 1", "package p\n\nimport \"C\"\n\n"},
	}
	for _, tt := range tests {
		if got := string(header([]byte(tt.src))); got != tt.want {
			t.Errorf("header(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

// go list runs again only when its answer may have changed: not after an
// edit inside a function, but after a new import, a new file or a build
// constraint; a listing with //go:embed is never kept.
func TestListPackagesReusesTheListing(t *testing.T) {
	testenv.SkipIfShort(t, "runs go list")
	mod := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		path := filepath.Join(mod, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Minute) // as if saved before the build
		os.Chtimes(path, old, old)
		os.Chtimes(mod, old, old)
	}
	write("go.mod", "module example.com/tiny\n\ngo 1.26.8\n")
	write("main.go", "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(0) }\n")
	p := v1.Platform{OS: "linux", Architecture: "amd64"}
	pin := pinned(p, "go1.26.8")
	var prev listing
	list := func() (listing, bool) {
		t.Helper()
		ran := false
		env := func() ([]string, error) { ran = true; return Env(os.Environ(), "go1.26.8", p), nil }
		l, err := listPackages(t.Context(), mod, ".", pin, prev, env)
		if err != nil {
			t.Fatal(err)
		}
		prev = l
		return l, ran
	}
	steps := []struct {
		name    string
		change  func()
		wantRan bool
		wantIn  string // in the listing
		wantKey bool   // kept for next time
	}{
		{"first", func() {}, true, "main.go", true},
		{"nothing changed", func() {}, false, "main.go", true},
		{"edit in a function", func() { write("main.go", "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(1) }\n") }, false, "main.go", true},
		{"new import", func() {
			write("main.go", "package main\n\nimport (\n\t\"os\"\n\t_ \"fmt\"\n)\n\nfunc main() { os.Exit(1) }\n")
		}, true, "main.go", true},
		{"new file", func() { write("more.go", "package main\n\nvar more = 1\n") }, true, "more.go", true},
		{"constraint", func() { write("more.go", "//go:build arm64\n\npackage main\n\nvar more = 1\n") }, true, "main.go", true},
		{"test file edited", func() { write("main_test.go", "package main\n") }, true, "main.go", true},
		{"test file edited again", func() { write("main_test.go", "package main\n\nimport \"testing\"\n") }, false, "main.go", true},
		{"go.mod", func() { write("go.mod", "module example.com/tiny\n\ngo 1.26.8\n\n// a comment\n") }, true, "main.go", true},
		{"linked file", func() {
			os.Mkdir(filepath.Join(mod, "..", "shared"), 0o755)
			write("../shared/link.go", "package main\n\nvar link = 1\n")
			if err := os.Symlink(filepath.Join(mod, "..", "shared", "link.go"), filepath.Join(mod, "link.go")); err != nil {
				if runtime.GOOS == "windows" { // without Developer Mode, only administrators link
					t.Skipf("SKIPPED from here on: %v", err)
				}
				t.Fatal(err)
			}
		}, true, "link.go", true},
		{"new import in the linked file", func() { write("../shared/link.go", "package main\n\nimport _ \"fmt\"\n\nvar link = 1\n") }, true, "link.go", true},
		{"embed", func() { write("more.go", "package main\n\nimport _ \"embed\"\n\n//go:embed go.mod\nvar more string\n") }, true, "more.go", false},
		{"embed again", func() {}, true, "more.go", false},
	}
	for _, s := range steps {
		s.change()
		l, ran := list()
		if ran != s.wantRan {
			t.Errorf("%s: go list ran = %v, want %v", s.name, ran, s.wantRan)
		}
		if !strings.Contains(l.out, s.wantIn) {
			t.Errorf("%s: listing %q, want %s in it", s.name, l.out, s.wantIn)
		}
		if kept := l.shape != ""; kept != s.wantKey {
			t.Errorf("%s: listing kept = %v, want %v", s.name, kept, s.wantKey)
		}
	}
}

// A file changed while go list ran may or may not be in its answer: such
// an answer is not kept.
func TestListShapeRefusesChangesDuringTheListing(t *testing.T) {
	mod := t.TempDir()
	os.WriteFile(filepath.Join(mod, "main.go"), []byte("package main\n"), 0o644)
	out := "m" + listSep + mod + listSep + mod + listSep + "main.go" + listSep + "\n"
	if _, ok := listShape(out, time.Now().Add(-time.Hour)); ok {
		t.Errorf("listShape(file written after since) kept the listing, want it refused")
	}
	if _, ok := listShape(out, time.Time{}); !ok {
		t.Errorf("listShape(no since) refused the listing, want it kept")
	}
	outside := "m" + listSep + mod + listSep + listSep + "main.go" + listSep + "\n"
	if _, ok := listShape(outside, time.Time{}); ok {
		t.Errorf("listShape(package outside the main module) kept the listing, want it refused")
	}
	gone := "m" + listSep + filepath.Join(mod, "gone") + listSep + mod + listSep + "main.go" + listSep + "\n"
	if _, ok := listShape(gone, time.Time{}); ok {
		t.Errorf("listShape(folder gone) kept the listing, want it refused")
	}
}
