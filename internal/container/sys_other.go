//go:build !linux

package container

import "syscall"

// dieWithParent does nothing: only Linux can pass a parent's exit on, and
// only Linux runs containers here (Available says ErrNeedsLinux), so there
// is nothing to orphan.
func dieWithParent() {}

// ownProcessGroup is nil: runc never starts off Linux.
func ownProcessGroup() *syscall.SysProcAttr { return nil }
