//go:build unix

package container

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitFor polls ok every 50 ms until it holds or d has passed.
func waitFor(d time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(d); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// A sweep removes a container and bundle whose owner is gone (here: its
// lock let go, as the kernel does when the owner dies), and leaves a live
// one's and one without an owner lock (anyone else's) alone.
func sweepTakesOnlyOrphans(t *testing.T) {
	sb := parallelSandbox(t)
	o := options{root: sb.root, dir: sb.bundles}
	orphan, err := Start(serviceImage(t), sb.options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer orphan.Remove()
	live, err := Start(serviceImage(t), sb.options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Remove()
	foreign, err := os.MkdirTemp(sb.bundles, bundlePrefix)
	if err != nil {
		t.Fatal(err)
	}
	running := func(id string) func() bool {
		return func() bool {
			list, _ := runcList(sb.root)
			c, ok := findContainer(list, id)
			return ok && c.Status == "running"
		}
	}
	if !waitFor(10*time.Second, running(orphan.ID)) || !waitFor(10*time.Second, running(live.ID)) {
		t.Fatalf("containers %s and %s not running within 10 s", orphan.ID, live.ID)
	}
	orphan.owner.Close()

	var log strings.Builder
	sweep(o, &log)
	<-orphan.Done()
	list, err := runcList(sb.root)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := findContainer(list, orphan.ID); ok {
		t.Errorf("runc list after sweep shows %s, want the orphan deleted", orphan.ID)
	}
	if _, ok := findContainer(list, live.ID); !ok {
		t.Errorf("runc list after sweep = %+v, want the live %s kept", list, live.ID)
	}
	for _, tt := range []struct {
		bundle string
		kept   bool
	}{{orphan.Bundle, false}, {live.Bundle, true}, {foreign, true}} {
		if _, err := os.Stat(tt.bundle); (err == nil) != tt.kept {
			t.Errorf("bundle %s after sweep: %v, want kept %v", filepath.Base(tt.bundle), err, tt.kept)
		}
	}
	if !strings.Contains(log.String(), "removed container "+orphan.ID) {
		t.Errorf("sweep's log = %q, want it to name %s", log.String(), orphan.ID)
	}
	os.RemoveAll(foreign)
	live.Remove()
	sb.assertEmpty(t)
}
