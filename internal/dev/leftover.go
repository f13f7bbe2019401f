package dev

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/filelock"
)

// A folder of builds holds ownerLock, which its dev keeps locked for as
// long as it lives, and ownerMark, made once it holds the lock: a dev
// killed with kill -9 cannot remove its folder, and the next one tells it
// from a live one's by the lock, which the kernel lets go of when its
// holder dies. The mark tells a folder whose dev is gone from one whose
// dev has not taken the lock yet; no rename of an open file, which Windows
// refuses.
const (
	ownerLock = "owner.lock"
	ownerMark = "owner"
)

// buildsPattern names dev's folders of builds in the temporary folder.
var buildsPattern = contract.Name + "-dev-*"

// makeBuilds makes a folder for this dev's builds, marked as its own.
func makeBuilds() (dir string, release func(), err error) {
	dir, err = os.MkdirTemp("", buildsPattern)
	if err != nil {
		return "", nil, fmt.Errorf("making a folder for the builds: %w", err)
	}
	unlock, err := filelock.Lock(filepath.Join(dir, ownerLock), nil, "")
	if err == nil {
		if err = os.WriteFile(filepath.Join(dir, ownerMark), nil, 0o644); err != nil {
			unlock()
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("making a folder for the builds: %w", err)
	}
	return dir, func() {
		os.Remove(filepath.Join(dir, ownerMark)) // no sweep takes it for a killed dev's now
		unlock()
		os.RemoveAll(dir)
	}, nil
}

// sweepBuilds removes the folders of builds that killed devs left, saying
// so on logs: those marked whose lock nobody holds. One without the lock
// or the mark (being made, or an older dev's) stays.
func sweepBuilds(logs io.Writer) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), buildsPattern))
	for _, dir := range dirs {
		unlock, err := filelock.TryLock(filepath.Join(dir, ownerLock))
		if err != nil {
			continue
		}
		// Only one sweep removes the mark, and says so.
		err = os.Remove(filepath.Join(dir, ownerMark))
		unlock() // before the removal: Windows removes no file held open
		if err == nil && os.RemoveAll(dir) == nil {
			fmt.Fprintf(logs, "dev: removed %s, left by a dev that was killed\n", dir)
		}
	}
}
