package testdist

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The helper process of TestCachedTwoAtOnce and TestCachedAfterKill, a
// test that passes when run otherwise: cached(TESTDIST_CACHE, fixed("k"), fill) where fill notes
// its pid in TESTDIST_CACHE/../fills, writes one file, says "filling" in
// TESTDIST_CACHE/../filling and waits TESTDIST_FILL_WAIT; then it prints
// the folder cached returned.
func TestHelperCached(t *testing.T) {
	cache := os.Getenv("TESTDIST_CACHE")
	if cache == "" {
		return
	}
	wait, _ := time.ParseDuration(os.Getenv("TESTDIST_FILL_WAIT"))
	dir, err := cached(cache, fixed("k"), func(dir string) error {
		note(t, filepath.Join(cache, "..", "fills"), fmt.Sprintln(os.Getpid()))
		if err := os.WriteFile(filepath.Join(dir, "image"), []byte("built"), 0o644); err != nil {
			return err
		}
		note(t, filepath.Join(cache, "..", "filling"), "filling\n")
		time.Sleep(wait)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("dir=%s\n", dir)
}

// fixed is a key that is always k.
func fixed(k string) func() (string, error) { return func() (string, error) { return k, nil } }

// note appends s to the file at path.
func note(t *testing.T, path, s string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = f.WriteString(s)
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// helper is the helper process on the cache in root/cache, its fill
// waiting wait.
func helper(root string, wait time.Duration) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCached$", "-test.v")
	cmd.Env = append(os.Environ(), "TESTDIST_CACHE="+filepath.Join(root, "cache"), "TESTDIST_FILL_WAIT="+wait.String())
	return cmd
}

// fills is how many times a helper filled the cache in root.
func fills(root string) int {
	data, _ := os.ReadFile(filepath.Join(root, "fills"))
	return strings.Count(string(data), "\n")
}

// Two test binaries asking at once: one builds, the other waits for it and
// uses its build.
func TestCachedTwoAtOnce(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	cmds := []*exec.Cmd{helper(root, 300*time.Millisecond), helper(root, 300*time.Millisecond)}
	outs := make([]bytes.Buffer, len(cmds))
	for i, c := range cmds {
		c.Stdout, c.Stderr = &outs[i], &outs[i]
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	want := "dir=" + filepath.Join(root, "cache", "k") + "\n"
	for i, c := range cmds {
		if err := c.Wait(); err != nil || !strings.Contains(outs[i].String(), want) {
			t.Errorf("helper %d = %v, printing %q; want %q", i, err, outs[i].String(), want)
		}
	}
	if n := fills(root); n != 1 {
		t.Errorf("two processes at once filled the cache %d times, want 1", n)
	}
	if err := use(filepath.Join(root, "cache", "k")); err != nil {
		t.Errorf("use(the kept build) = %v", err)
	}
}

// A build killed mid-way (SIGKILL: no deferred cleanup) leaves no folder
// of its key, so nothing half-built is served; the next one builds again
// and sweeps the leftovers.
func TestCachedAfterKill(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	cmd := helper(root, time.Hour)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(root, "filling")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the helper never started filling")
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	cache := filepath.Join(root, "cache")
	if _, err := os.Stat(filepath.Join(cache, "k")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a killed build left its key's folder: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(cache, ".tmp-*")); len(left) != 1 {
		t.Fatalf("the killed build left %v, want its temporary folder", left)
	}
	if out, err := helper(root, 0).CombinedOutput(); err != nil {
		t.Fatalf("the build after a kill: %v\n%s", err, out)
	}
	if n := fills(root); n != 2 {
		t.Errorf("filled %d times, want 2 (the killed one, then one whole)", n)
	}
	if left, _ := filepath.Glob(filepath.Join(cache, ".tmp-*")); len(left) != 0 {
		t.Errorf("after the next build, %v is left", left)
	}
	if err := use(filepath.Join(cache, "k")); err != nil {
		t.Errorf("use(the kept build) = %v", err)
	}
}

// A kept build whose files changed is built again, not served; one asked
// for is kept, one no one has asked for in a while is removed.
func TestCachedChecksAndSweeps(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	n := 0
	fill := func(dir string) error {
		n++
		return os.WriteFile(filepath.Join(dir, "image"), []byte("built"), 0o644)
	}
	get := func(key string) string {
		t.Helper()
		dir, err := cached(cache, fixed(key), fill)
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dir := get("a")
	get("a")
	if n != 1 {
		t.Fatalf("two asks filled %d times, want 1", n)
	}
	os.WriteFile(filepath.Join(dir, "image"), []byte("changed by a test"), 0o644)
	if get("a"); n != 2 {
		t.Errorf("a changed build was served, want it built again")
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "image")); string(data) != "built" {
		t.Errorf("after a rebuild the image holds %q, want the build", data)
	}
	old := time.Now().Add(-keep - time.Minute)
	os.Chtimes(dir, old, old)
	stale := filepath.Join(cache, "stale")
	os.MkdirAll(stale, 0o755)
	os.Chtimes(stale, old, old)
	get("a") // asked for: kept, and marked used
	get("b") // a build: sweeps
	for path, want := range map[string]bool{dir: true, stale: false, filepath.Join(cache, "b"): true} {
		if _, err := os.Stat(path); (err == nil) != want {
			t.Errorf("after a sweep, %s: %v; want kept %v", path, err, want)
		}
	}
}

// A build that fails leaves nothing in the cache.
func TestCachedFailure(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	_, err := cached(cache, fixed("k"), func(string) error { return errors.New("no module") })
	if err == nil || err.Error() != "no module" {
		t.Errorf("cached(a failing build) = %v, want its error", err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 1 || entries[0].Name() != "locks" {
		t.Errorf("a failed build left %v, want the lock folder only", entries)
	}
}

// The key changes with every file the build is made of (the service's,
// the building packages', what they embed, a file only another platform
// compiles, go.sum) and the settings, and with nothing else.
func TestKey(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"go.mod":                        "module example.com/m\n\ngo 1.22\n",
		"app/main.go":                   "package main\n\nfunc main() {}\n",
		"internal/testdist/testdist.go": "package testdist\n\nimport _ \"example.com/m/internal/lib\"\n",
		"internal/lib/lib.go":           "package lib\n\nimport _ \"embed\"\n\n//go:embed data.txt\nvar Data string\n",
		"internal/lib/data.txt":         "data\n",
		"internal/other/other.go":       "package other\n",
	}
	tests := []struct {
		name, file, body string
		extra            string
		changes          bool
	}{
		{"nothing", "", "", "", false},
		{"service edited", "app/main.go", "package main\n\nfunc main() { println() }\n", "", true},
		{"builder's dependency edited", "internal/lib/lib.go", files["internal/lib/lib.go"] + "\nvar X int\n", "", true},
		{"embedded file edited", "internal/lib/data.txt", "other data\n", "", true},
		{"file for another platform added", "app/main_windows.go", "package main\n", "", true},
		{"go.sum added", "go.sum", "example.com/x v1.0.0 h1:x=\n", "", true},
		{"setting changed", "", "", "VERSION=2", true},
		{"test added", "app/main_test.go", "package main\n", "", false},
		{"unused package edited", "internal/other/other.go", "package other\n\nvar X int\n", "", false},
	}
	keyOf := func(dir string, extra string) string {
		t.Helper()
		k, err := key(t.Context(), dir, extra)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	module := func() string {
		dir := t.TempDir()
		for name, body := range files {
			os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
			os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
		}
		return dir
	}
	want := keyOf(module(), "VERSION=1")
	for _, tt := range tests {
		dir := module()
		if tt.file != "" {
			os.MkdirAll(filepath.Join(dir, filepath.Dir(tt.file)), 0o755)
			os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.body), 0o644)
		}
		extra := "VERSION=1"
		if tt.extra != "" {
			extra = tt.extra
		}
		if got := keyOf(dir, extra); (got != want) != tt.changes {
			t.Errorf("%s: key() = %s, first %s; want a change %v", tt.name, got, want, tt.changes)
		}
	}
	if _, err := key(t.Context(), t.TempDir()); err == nil {
		t.Errorf("key(a folder without a module) = nil error")
	}
}

// An edit saved while the build runs, after its key was taken but before
// the build read it, then undone, must not leave the edited build kept as
// the undone sources': the next ask must build them again. Here the key
// is the source's sum, and the build saves the edit, then copies it.
func TestCachedEditDuringFill(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	src := filepath.Join(t.TempDir(), "source")
	os.WriteFile(src, []byte("saved"), 0o644)
	key := func() (string, error) { return fileSum(src) }
	edited := false
	fill := func(dir string) error {
		if !edited {
			edited = true
			os.WriteFile(src, []byte("during"), 0o644)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "image"), data, 0o644)
	}
	if _, err := cached(cache, key, fill); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(src, []byte("saved"), 0o644) // the edit undone
	dir, err := cached(cache, key, fill)
	if data, _ := os.ReadFile(filepath.Join(dir, "image")); err != nil || string(data) != "saved" {
		t.Errorf("cached() after an edit during the build, undone = a build of %q, %v; want one of %q", data, err, "saved")
	}
}
