package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// A second holder waits, after one line saying why, until the first lets go.
func TestLockWaitsAndSaysWhy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.lock")
	unlock, err := Lock(path, nil, "unused: the lock is free")
	if err != nil {
		t.Fatal(err)
	}
	var said testenv.Buffer
	got := make(chan func())
	go func() {
		u, err := Lock(path, &said, "another build in this checkout")
		if err != nil {
			t.Error(err)
		}
		got <- u
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(said.String(), "waiting: another build in this checkout (lock "+path+")") {
		if time.Now().After(deadline) {
			t.Fatalf("Lock() on a held lock said %q, want the waiting line", said.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-got:
		t.Fatal("Lock() returned while another held the lock")
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	select {
	case u := <-got:
		u()
	case <-time.After(5 * time.Second):
		t.Fatal("Lock() still waits after the holder let go")
	}
	if n := strings.Count(said.String(), "\n"); n != 1 {
		t.Errorf("Lock() wrote %d lines, want 1: %q", n, said.String())
	}
}

func TestFor(t *testing.T) {
	a, b := For("/locks", "build", "/x/a/dist"), For("/locks", "build", "/x/b/dist")
	if a == b || filepath.Dir(a) != "/locks" || !strings.HasPrefix(filepath.Base(a), "build-") || a != For("/locks", "build", "/x/a/dist") {
		t.Errorf("For() = %q, %q; want one stable lock per target in /locks", a, b)
	}
	if _, err := Lock(filepath.Join(t.TempDir(), "f", "\x00"), nil, ""); err == nil {
		t.Errorf("Lock(bad path) = nil error")
	}
}

// One checkout reached by two paths, through a symlink, has one lock: a
// build started from each would otherwise sweep the other's staging folder.
func TestForResolvesSymlinks(t *testing.T) {
	root := t.TempDir()
	resolved := filepath.Join(root, "checkout")
	if err := os.MkdirAll(resolved, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink(resolved, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	t.Chdir(link)
	locks := filepath.Join(root, "locks")
	for _, tt := range []struct{ target, want string }{
		{link, resolved},
		{".", resolved},
		{"dist", filepath.Join(resolved, "dist")}, // not made yet
		{filepath.Join(link, "x", "..", "dist"), filepath.Join(resolved, "dist")},
	} {
		want := mustEval(t, tt.want)
		if got := Real(tt.target); got != want {
			t.Errorf("Real(%q) = %q, want %q", tt.target, got, want)
		}
		if got, want := For(locks, "build", tt.target), For(locks, "build", want); got != want {
			t.Errorf("For(%q) = %q, want %q, the resolved folder's lock", tt.target, got, want)
		}
	}

	unlock, err := Lock(For(locks, "build", resolved), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var said testenv.Buffer
	got := make(chan func(), 1)
	go func() {
		u, _ := Lock(For(locks, "build", "."), &said, "another build")
		got <- u
	}()
	var second func()
	select {
	case second = <-got:
		t.Errorf("Lock() through a symlink took the lock its resolved folder's holder has")
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	if second == nil {
		second = <-got
	}
	if second != nil {
		second()
	}
	if !strings.HasPrefix(said.String(), "waiting: another build") {
		t.Errorf("Lock() through a symlink said %q, want the waiting line", said.String())
	}
}

// mustEval is path with its symlinks resolved (t.TempDir may be under one).
func mustEval(t *testing.T, path string) string {
	t.Helper()
	dir, base := path, ""
	if _, err := os.Stat(path); err != nil {
		dir, base = filepath.Dir(path), filepath.Base(path)
	}
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(resolved, base)
}

// TryLock takes a free lock at once and never waits for a held one. (A
// holder killed with kill -9 frees it: dev's TestKilledDevLeavesItsBuildsToTheNext.)
func TestTryLock(t *testing.T) {
	dir := t.TempDir()
	held, free := filepath.Join(dir, "held.lock"), filepath.Join(dir, "free.lock")
	unlock, err := Lock(held, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	testenv.WriteFile(t, free, "")
	tests := []struct {
		path string
		want error
	}{
		{free, nil},
		{held, ErrBusy},
		{filepath.Join(dir, "missing.lock"), os.ErrNotExist},
	}
	for _, tt := range tests {
		u, err := TryLock(tt.path)
		if !errors.Is(err, tt.want) || (tt.want != nil && err == nil) {
			t.Errorf("TryLock(%q) = %v, want %v", tt.path, err, tt.want)
		}
		if err == nil {
			u()
			if u, err := TryLock(tt.path); err != nil {
				t.Errorf("TryLock(%q) after its unlock = %v, want nil", tt.path, err)
			} else {
				u()
			}
		}
	}
}
