//go:build unix

package base

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f, waiting for it. The kernel lets
// go of it when the process ends, however it ends.
func lockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }

func unlockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
