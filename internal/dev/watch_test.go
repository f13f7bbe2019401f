package dev

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

func TestGoSource(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"main.go", true},
		{"info_linux.go", true},
		{"main_test.go", false},
		{"main.go~", false},
		{".main.go.swp", false},
		{".#main.go", false},
		{"#main.go#", false},
		{"main.go___jb_tmp___", false},
		{"4913", false},
		{"_hidden.go", false},
		{"README.md", false},
	}
	for _, tt := range tests {
		if got := goSource(tt.name); got != tt.want {
			t.Errorf("goSource(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// newWatch watches a fresh tree, with go.mod beside it.
func newWatch(t *testing.T, quiet time.Duration) (*watcher, string) {
	t.Helper()
	module := t.TempDir()
	root := filepath.Join(module, "app")
	testenv.WriteFile(t, filepath.Join(root, "main.go"), "package main\n")
	testenv.WriteFile(t, filepath.Join(root, "testdata", "x.go"), "package x\n")
	w, err := watch(root, module, quiet, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, module
}

func expectChange(t *testing.T, w *watcher, want bool, what string) {
	t.Helper()
	// A change comes one quiet time after the last event: wait for one
	// generously, and for none a few quiet times (the inner loop's tests
	// need not sit out a whole second per step).
	wait := 5 * time.Second
	if !want {
		wait = max(250*time.Millisecond, 3*w.quiet)
	}
	select {
	case <-w.changes:
		if !want {
			t.Errorf("%s: a change, want none", what)
		}
	case <-time.After(wait):
		if want {
			t.Errorf("%s: no change within %v, want one", what, wait)
		}
	}
}

func TestWatch(t *testing.T) {
	t.Parallel()
	w, module := newWatch(t, 50*time.Millisecond)
	steps := []struct {
		what   string
		do     func()
		change bool
	}{
		{"a temporary and a test file", func() {
			testenv.WriteFile(t, filepath.Join(module, "app", ".main.go.swp"), "x")
			testenv.WriteFile(t, filepath.Join(module, "app", "main_test.go"), "package main\n")
		}, false},
		{"a file in testdata", func() { testenv.WriteFile(t, filepath.Join(module, "app", "testdata", "x.go"), "package x // 2\n") }, false},
		{"a file beside go.mod", func() { testenv.WriteFile(t, filepath.Join(module, "notes.go"), "package notes\n") }, false},
		{"go.sum", func() { testenv.WriteFile(t, filepath.Join(module, "go.sum"), "") }, true},
		{"a new folder, then a file in it", func() {
			os.Mkdir(filepath.Join(module, "app", "sub"), 0o755)
			time.Sleep(100 * time.Millisecond) // watched by then
			testenv.WriteFile(t, filepath.Join(module, "app", "sub", "sub.go"), "package sub\n")
		}, true},
		{"a folder made with its file at once", func() {
			testenv.WriteFile(t, filepath.Join(module, "app", "other", "deep", "o.go"), "package deep\n")
		}, true},
		{"a file in the folder made at once", func() {
			time.Sleep(100 * time.Millisecond)
			testenv.WriteFile(t, filepath.Join(module, "app", "other", "deep", "o.go"), "package deep // 2\n")
		}, true},
		{"a removal", func() { os.Remove(filepath.Join(module, "app", "sub", "sub.go")) }, true},
	}
	for _, s := range steps {
		s.do()
		expectChange(t, w, s.change, s.what)
	}
}

func TestProxyWithoutBackend(t *testing.T) {
	p := &proxy{why: "the first build is not done yet"}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "the first build is not done yet") {
		t.Errorf("GET / without a backend = %d %q, want 503 and why", rec.Code, rec.Body.String())
	}
}

// A flood of saves, as a formatter over every file or a branch switch
// makes, is one change. (The quiet time is longer than dev's here, so that
// a busy machine's pause between two writes does not split the flood.)
func TestWatchFlood(t *testing.T) {
	t.Parallel()
	w, module := newWatch(t, 300*time.Millisecond)
	for i := range 500 {
		testenv.WriteFile(t, filepath.Join(module, "app", fmt.Sprintf("f%d.go", i%50)), fmt.Sprintf("package main // %d\n", i))
	}
	expectChange(t, w, true, "500 saves")
	expectChange(t, w, false, "after the flood")
}

// A folder of source that leaves the build by a rename, out of the tree
// or to a name go build skips, is a change: its files are gone from the
// build as surely as if each had been removed.
func TestWatchFolderRenamed(t *testing.T) {
	testenv.SkipOnWindows(t, "Windows refuses to rename a folder holding watched folders (fsnotify issue 356)")
	t.Parallel()
	tests := []struct {
		name, to string
		built    bool // whether the folder is still in the build
	}{
		{"out of the tree", "../elsewhere", false},
		{"to a name go build skips", "_old", false},
		{"to a hidden name", ".old", false},
		{"into testdata", "testdata/sub", false},
		{"within the tree", "sub2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, module := newWatch(t, 50*time.Millisecond)
			sub := filepath.Join(module, "app", "sub")
			testenv.WriteFile(t, filepath.Join(sub, "sub.go"), "package sub\n")
			expectChange(t, w, true, "a new folder with source")
			if err := os.Rename(sub, filepath.Join(module, "app", tt.to)); err != nil {
				t.Fatal(err)
			}
			expectChange(t, w, true, "app/sub renamed "+tt.name)
			testenv.WriteFile(t, filepath.Join(module, "app", tt.to, "sub.go"), "package sub // 2\n")
			expectChange(t, w, tt.built, "a save in app/sub renamed "+tt.name)
		})
	}
}

// app/ itself removed and made again (rm -r app, then git checkout app)
// is a change, and it is watched again: the saves after it are changes.
func TestWatchRootRemade(t *testing.T) {
	testenv.SkipOnWindows(t, "fsnotify on Windows gives no defined events when a watched folder is deleted (fsnotify pull 589)")
	t.Parallel()
	w, module := newWatch(t, 50*time.Millisecond)
	root := filepath.Join(module, "app")
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	expectChange(t, w, true, "app/ removed")
	testenv.WriteFile(t, filepath.Join(root, "main.go"), "package main\n")
	expectChange(t, w, true, "app/ made again with its source")
	time.Sleep(100 * time.Millisecond)
	testenv.WriteFile(t, filepath.Join(root, "main.go"), "package main // 2\n")
	expectChange(t, w, true, "a save in the app/ made again")
	testenv.WriteFile(t, filepath.Join(root, "sub", "sub.go"), "package sub\n")
	expectChange(t, w, true, "a new folder in the app/ made again")
}

// A folder of source linked into app/ (ln -s ../../shared/pkg app/pkg)
// is read by go build through the link: the link made or removed, and
// each save in the folder, are changes, whether it was made before dev
// started or after. A link to a folder in the tree, or up it, is not
// walked again: dev neither walks in circles nor watches the module
// beside app/ (a save in app/sub is one change, made under its own name).
func TestWatchSymlinkedFolder(t *testing.T) {
	testenv.SkipOnWindows(t, "folders linked into app/ are watched through the link on Linux and macOS; Windows' links and fsnotify's watches on them are not verified")
	t.Parallel()
	tests := []struct {
		name   string
		before bool   // the links are made before the watch starts
		target string // relative to the module
		save   string // a file saved through it, relative to the module
		change bool   // whether that save is a change
		linked bool   // whether the link made, and removed, are changes
	}{
		{"a folder outside, linked after", false, "shared/pkg", "shared/pkg/pkg.go", true, true},
		{"a folder outside, linked before", true, "shared/pkg", "shared/pkg/pkg.go", true, true},
		{"a folder inside, linked after", false, "app/sub", "app/sub/sub.go", true, false},
		{"the module, linked after", false, ".", "shared/pkg/pkg.go", false, false},
		{"the module, linked before", true, ".", "shared/pkg/pkg.go", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			module := t.TempDir()
			testenv.WriteFile(t, filepath.Join(module, "app", "main.go"), "package main\n")
			testenv.WriteFile(t, filepath.Join(module, "app", "sub", "sub.go"), "package sub\n")
			testenv.WriteFile(t, filepath.Join(module, "shared", "pkg", "pkg.go"), "package pkg\n")
			link := filepath.Join(module, "app", "link")
			mklink := func() {
				if err := os.Symlink(filepath.Join(module, tt.target), link); err != nil {
					t.Skipf("no symlinks here: %v", err)
				}
			}
			if tt.before {
				mklink()
			}
			w, err := watch(filepath.Join(module, "app"), module, 50*time.Millisecond, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { w.Close() })
			if !tt.before {
				mklink()
				expectChange(t, w, tt.linked, "the link made")
			}
			testenv.WriteFile(t, filepath.Join(module, tt.save), "package x // 2\n")
			expectChange(t, w, tt.change, tt.save+" saved")
			if err := os.Remove(link); err != nil {
				t.Fatal(err)
			}
			expectChange(t, w, tt.linked, "the link removed")
			testenv.WriteFile(t, filepath.Join(module, "shared", "pkg", "pkg.go"), "package pkg // 3\n")
			expectChange(t, w, false, "a save outside app/ once the link is gone")
		})
	}
}
