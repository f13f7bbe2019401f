package container

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// What marks a container and a bundle as this pipeline's. The names alone
// are not enough to remove one: a bundle is swept only when it holds
// ownerLock and nobody holds the lock, which its owner (the run, smoke or
// test that made it) does for as long as it lives.
const (
	idPrefix     = "devops-info-service-"
	bundlePrefix = "devops-info-service-bundle-"
	ownerLock    = "owner.lock"
)

// lockBundle marks bundle as this process's for as long as it lives. The
// lock file is made and locked under another name and only then moved to
// ownerLock, so a sweep never finds it unlocked while its owner lives.
func lockBundle(bundle string) (*os.File, error) {
	tmp := filepath.Join(bundle, ownerLock+".new")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		if err = lockFile(f); err == nil {
			err = os.Rename(tmp, filepath.Join(bundle, ownerLock))
		}
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("marking bundle %s as this process's: %w", bundle, err)
	}
	return f, nil
}

// orphaned is bundle's owner lock, taken, when the bundle is this
// pipeline's and its owner is gone; nil otherwise (anyone else's bundle,
// an owner still alive, or one that another sweep is removing).
func orphaned(bundle string) *os.File {
	if !strings.HasPrefix(filepath.Base(bundle), bundlePrefix) {
		return nil
	}
	f, err := os.Open(filepath.Join(bundle, ownerLock))
	if err != nil {
		return nil
	}
	if lockFile(f) != nil {
		f.Close()
		return nil
	}
	return f
}

// sweep removes what a run, smoke or test killed before it could clean up
// left under o's runc root and bundle folder: its containers (stopped and
// deleted from runc) and its bundles. What it removed goes to log.
func sweep(o options, log io.Writer) {
	list, _ := runcList(o.root)
	for _, c := range list {
		if !strings.HasPrefix(c.ID, idPrefix) {
			continue
		}
		if lock := orphaned(c.Bundle); lock != nil {
			gone := &Container{ID: c.ID, Bundle: c.Bundle, root: o.root}
			gone.command(context.Background(), "kill", c.ID, "KILL").Run()
			gone.command(context.Background(), "delete", "--force", c.ID).Run()
			os.RemoveAll(c.Bundle)
			lock.Close()
			fmt.Fprintf(log, "removed container %s, left by a run that was killed\n", c.ID)
		}
	}
	bundles, _ := filepath.Glob(filepath.Join(o.dir, bundlePrefix+"*"))
	for _, b := range bundles {
		if lock := orphaned(b); lock != nil {
			os.RemoveAll(b)
			lock.Close()
			fmt.Fprintf(log, "removed bundle %s, left by a run that was killed\n", b)
		}
	}
}

// runcContainer is one entry of `runc list --format json`.
type runcContainer struct {
	ID, Bundle, Status string
	Pid                int
}

// runcList is what runc knows under root; "" is runc's default root.
func runcList(root string) ([]runcContainer, error) {
	out, err := (&Container{root: root}).command(context.Background(), "list", "--format", "json").Output()
	if err != nil {
		return nil, fmt.Errorf("listing runc's containers: %w", err)
	}
	var list []runcContainer
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("reading runc list: %w: %q", err, out)
	}
	return list, nil
}
