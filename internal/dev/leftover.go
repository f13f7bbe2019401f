package dev

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/filelock"
)

// ownerLock, in a folder of builds, is locked by its dev for as long as
// it lives: a dev killed with kill -9 cannot remove its folder, and the
// next one knows it from a live one's by the lock, which the kernel lets
// go of when its holder dies.
const ownerLock = "owner.lock"

// buildsPattern names dev's folders of builds in the temporary folder.
var buildsPattern = contract.Name + "-dev-*"

// makeBuilds makes a folder for this dev's builds, marked as its own: the
// lock is taken under another name and only then moved to ownerLock, so a
// sweep never finds it unlocked while its owner lives.
func makeBuilds() (dir string, release func(), err error) {
	dir, err = os.MkdirTemp("", buildsPattern)
	if err != nil {
		return "", nil, fmt.Errorf("making a folder for the builds: %w", err)
	}
	unlock, err := filelock.Lock(filepath.Join(dir, ownerLock+".new"), nil, "")
	if err == nil {
		if err = os.Rename(filepath.Join(dir, ownerLock+".new"), filepath.Join(dir, ownerLock)); err != nil {
			unlock()
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("making a folder for the builds: %w", err)
	}
	return dir, func() {
		unlock()
		os.RemoveAll(dir)
	}, nil
}

// sweepBuilds removes the folders of builds that killed devs left, saying
// so on logs: those whose ownerLock nobody holds. A folder without one
// (being made, or an older dev's) stays.
func sweepBuilds(logs io.Writer) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), buildsPattern))
	for _, dir := range dirs {
		unlock, err := filelock.TryLock(filepath.Join(dir, ownerLock))
		if err != nil {
			continue
		}
		err = os.RemoveAll(dir)
		unlock()
		if err != nil {
			err = os.RemoveAll(dir) // Windows removes no file held open
		}
		if err == nil {
			fmt.Fprintf(logs, "dev: removed %s, left by a dev that was killed\n", dir)
		}
	}
}
