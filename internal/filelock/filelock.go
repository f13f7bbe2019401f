// Package filelock holds an exclusive lock on a file between processes:
// builds that share the base cache, two builds in one checkout, two `go
// tool mage` compiling the same magefile. The kernel lets go of the lock
// when its holder ends, however it ends, so a killed holder never leaves a
// stale lock behind.
package filelock

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Lock takes the lock on path, made if missing, waiting for it as long as
// another process holds it; then it first writes why to w, one line:
// "waiting: <why> (lock <path>)" (w may be nil). unlock lets go of it.
func Lock(path string, w io.Writer, why string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	f, err := open(path, os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return take(f, path, func() error {
		if w == nil {
			w = io.Discard
		}
		fmt.Fprintf(w, "waiting: %s (lock %s)\n", why, path)
		return lockFile(f)
	})
}

// For is the lock file, in dir, for what is done to target: one per
// target's real path (Real), so that two checkouts never wait for each
// other and one checkout reached by two paths (a symlink, $PWD) has one
// lock. The lock lives outside target, where removing target (mage clean)
// cannot take a held lock away.
func For(dir, what, target string) string {
	sum := sha256.Sum256([]byte(Real(target)))
	return filepath.Join(dir, what+"-"+hex.EncodeToString(sum[:8])+".lock")
}

// Real is path made absolute with every symlink resolved; as much of that
// as can be done when path, or a folder on the way, does not exist yet
// (dist/ before the first build): the deepest existing folder resolved,
// the rest as given.
func Real(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	rest := ""
	for p := abs; ; p = filepath.Dir(p) {
		if resolved, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(resolved, rest)
		}
		if p == filepath.Dir(p) {
			return abs
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}

// ErrBusy is TryLock's error when another process holds the lock.
var ErrBusy = errors.New("another process holds it")

// TryLock takes the lock on path, which must exist, if it is free, and
// fails with ErrBusy if another holds it. unlock lets go of it.
func TryLock(path string) (unlock func(), err error) {
	f, err := open(path, 0)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return take(f, path, func() error { return ErrBusy })
}

// take locks f, the file at path, if it is free, and otherwise does what
// busy says.
func take(f *os.File, path string, busy func() error) (unlock func(), err error) {
	held, err := tryLock(f)
	if err == nil && held {
		err = busy()
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}

// open opens the lock file at path for writing, which NFS's stand-in for
// flock needs; or, when that is refused, for reading: a lock file another
// user made (0644, or any in a sticky folder such as /tmp where
// fs.protected_regular refuses O_CREAT on it) is theirs to write but
// anyone's to lock.
func open(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|flag, 0o644)
	if errors.Is(err, fs.ErrPermission) {
		f, err = os.Open(path)
	}
	return f, err
}
