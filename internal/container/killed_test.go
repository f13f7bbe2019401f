//go:build unix

package container

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bundleOf is where runc's default root says container id's bundle is.
func bundleOf(t *testing.T, id string) string {
	t.Helper()
	list, err := runcList("")
	if err != nil {
		t.Fatal(err)
	}
	c, ok := findContainer(list, id)
	if !ok {
		t.Fatalf("runc list = %+v, want %s", list, id)
	}
	return c.Bundle
}

// `kill -9` of the go command takes the whole chain down (mage, the
// target, runc, the container) and the target removes its container and
// bundle on the way.
func TestKilledGoCommandTakesRunDown(t *testing.T) {
	r := startMageRun(t, t.TempDir())
	bundle := bundleOf(t, r.id)
	procs := tree(r.cmd.Process.Pid)
	if len(procs) < 5 {
		t.Fatalf("processes under go tool mage run = %v, want go, mage, the target, runc and the container", procs)
	}
	syscall.Kill(r.cmd.Process.Pid, syscall.SIGKILL)
	if !waitFor(20*time.Second, func() bool { return !slices.ContainsFunc(procs[1:], alive) }) {
		var left []string
		for _, p := range procs[1:] {
			if st, ok := procStat(p); ok && alive(p) {
				left = append(left, st.comm)
			}
		}
		t.Errorf("20 s after kill -9 of go, %v still run, want none of %d processes\n%s", left, len(procs)-1, r.stderr)
	}
	r.assertGone(t, bundle)
	if !strings.Contains(r.stderr.String(), "stopped with status 0 and removed") {
		t.Errorf("the run's log = %q, want the container stopped in order", r.stderr)
	}
}

// `kill -9` of the target alone takes runc and the container with it; the
// bundle it could not remove is swept by the next run, and only that one.
func killedTargetIsSweptByNextRun(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir() // both runs' bundles go here
	r := startMageRun(t, tmp)
	bundle := bundleOf(t, r.id)
	target := r.target()
	procs := tree(target)
	syscall.Kill(target, syscall.SIGKILL)
	if !waitFor(20*time.Second, func() bool { return !slices.ContainsFunc(procs, alive) }) {
		t.Errorf("20 s after kill -9 of the target, some of runc and the container %v still run", procs[1:])
	}
	if list, _ := runcList(""); slices.ContainsFunc(list, func(c runcContainer) bool { return c.ID == r.id }) {
		t.Errorf("runc list after kill -9 of the target shows %s, want runc to have stopped and deleted it", r.id)
	}
	if _, err := os.Stat(filepath.Join(bundle, "config.json")); err != nil {
		t.Fatalf("bundle after kill -9 of the target: %v; want it left for the next run to sweep", err)
	}
	// A bundle of someone else's beside it, in the same folder and named
	// alike, but with no owner lock: never ours to remove.
	other, err := os.MkdirTemp(filepath.Dir(bundle), bundlePrefix)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(other)

	next := startMageRun(t, tmp)
	if _, err := os.Stat(bundle); !os.IsNotExist(err) {
		t.Errorf("bundle %s after the next run started: %v, want it swept", bundle, err)
	}
	if !strings.Contains(next.stderr.String(), "removed bundle "+bundle) {
		t.Errorf("the next run's log = %q, want it to say it removed %s", next.stderr, bundle)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("someone else's bundle %s after the sweep: %v, want it untouched", other, err)
	}
}

// assertGone checks that the run's container, bundle and port are gone.
func (r *mageRun) assertGone(t *testing.T, bundle string) {
	t.Helper()
	if list, _ := runcList(""); slices.ContainsFunc(list, func(c runcContainer) bool { return c.ID == r.id }) {
		t.Errorf("runc list shows %s, want it deleted", r.id)
	}
	if _, err := os.Stat(bundle); !os.IsNotExist(err) {
		t.Errorf("bundle %s: %v, want it removed", bundle, err)
	}
	if c, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://")); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections, want nothing there", r.url)
	}
}
