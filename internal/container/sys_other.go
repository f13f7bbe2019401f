//go:build !linux

package container

import (
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// dieWithParent does nothing: only Linux can pass a parent's exit on, and
// only Linux runs containers here (Available says ErrNeedsLinux), so there
// is nothing to orphan.
func dieWithParent() {}

// ownProcessGroup is nil: runc never starts off Linux.
func ownProcessGroup() *syscall.SysProcAttr { return nil }

// seccompFilter is none: the profile is Linux's, and only Linux runs
// containers here.
func seccompFilter(*specs.Spec) (*specs.LinuxSeccomp, error) { return nil, nil }
