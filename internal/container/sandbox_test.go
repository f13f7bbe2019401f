package container

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// sandbox is one test's own runc root and bundle folder. Its containers
// live there and nowhere else, so its leftover check looks there only: a
// developer's `mage run`, another checkout's tests or a CI job beside this
// one are none of its business, and it is none of theirs.
type sandbox struct{ root, bundles string }

// parallelSandbox is a sandbox for a test that needs runc and runs in
// parallel with the others.
func parallelSandbox(t *testing.T) sandbox {
	t.Helper()
	needRunc(t)
	t.Parallel()
	return newSandbox(t)
}

func newSandbox(t *testing.T) sandbox {
	t.Helper()
	dir := t.TempDir()
	s := sandbox{root: filepath.Join(dir, "runc"), bundles: filepath.Join(dir, "bundles")}
	for _, d := range []string{s.root, s.bundles} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// Registered after t.TempDir's, so it runs first: what a failed test
	// left is deleted from runc before its folder goes.
	t.Cleanup(func() {
		left, _ := runcList(s.root)
		for _, c := range left {
			exec.Command("runc", "--root", s.root, "delete", "--force", c.ID).Run()
		}
	})
	return s
}

// options start a container in the sandbox.
func (s sandbox) options() []Option {
	return []Option{WithRuncRoot(s.root), WithBundleDir(s.bundles)}
}

// assertEmpty fails the test if any container or bundle of its own is left.
func (s sandbox) assertEmpty(t *testing.T) {
	t.Helper()
	left, err := runcList(s.root)
	if err != nil {
		t.Errorf("runc --root %s list: %v", s.root, err)
	}
	for _, c := range left {
		t.Errorf("container %s left behind (bundle %s)", c.ID, c.Bundle)
	}
	if entries, err := os.ReadDir(s.bundles); err != nil || len(entries) > 0 {
		t.Errorf("ReadDir(%s) = %v, %v; want no bundles left", s.bundles, entries, err)
	}
}

func findContainer(list []runcContainer, id string) (runcContainer, bool) {
	i := slices.IndexFunc(list, func(c runcContainer) bool { return c.ID == id })
	if i < 0 {
		return runcContainer{}, false
	}
	return list[i], true
}

// WithRuncRoot and WithBundleDir put the container, its state and its
// bundle in the sandbox, not where runc and `mage run` keep theirs.
func startInSandbox(t *testing.T) {
	sb := parallelSandbox(t)
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(serviceImage(t), append(sb.options(), WithPublish(port))...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove()
	if _, err := WaitHealthy(t.Context(), c, fmt.Sprintf("http://127.0.0.1:%d", port), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Bundle, sb.bundles+string(filepath.Separator)) {
		t.Errorf("Start(WithBundleDir(%s)).Bundle = %s, want a folder in it", sb.bundles, c.Bundle)
	}
	own, err := runcList(sb.root)
	if got, ok := findContainer(own, c.ID); !ok || got.Bundle != c.Bundle || got.Status != "running" {
		t.Errorf("runc --root %s list = %+v, %v; want %s running from %s", sb.root, own, err, c.ID, c.Bundle)
	}
	if def, err := runcList(""); err != nil {
		t.Errorf("runc list: %v", err)
	} else if _, ok := findContainer(def, c.ID); ok {
		t.Errorf("runc list (default root) shows %s, want it only under %s", c.ID, sb.root)
	}
	if pid, err := c.Pid(t.Context()); err != nil || pid <= 0 {
		t.Errorf("Pid() = %d, %v; want the container's process, asked under its root", pid, err)
	}
	if err := c.Remove(); err != nil {
		t.Errorf("Remove() = %v", err)
	}
	sb.assertEmpty(t)
}
