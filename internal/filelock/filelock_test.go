package filelock

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a strings.Builder safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A second holder waits, after one line saying why, until the first lets go.
func TestLockWaitsAndSaysWhy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.lock")
	unlock, err := Lock(path, nil, "unused: the lock is free")
	if err != nil {
		t.Fatal(err)
	}
	var said syncBuffer
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
