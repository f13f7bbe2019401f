//go:build !linux

package container

import (
	"errors"
	"os"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// dieWithParent does nothing: only Linux can pass a parent's exit on, and
// only Linux runs containers here (Available says ErrNeedsLinux), so there
// is nothing to orphan.
func dieWithParent() {}

// runcAttr is nil: runc never starts off Linux.
func runcAttr() *syscall.SysProcAttr { return nil }

// ownGroup is nil: runc never runs off Linux.
func ownGroup() *syscall.SysProcAttr { return nil }

// lockFile fails: only Linux makes bundles, so there are none to sweep.
func lockFile(*os.File) error { return errors.ErrUnsupported }

// seccompFilter is none: the profile is Linux's, and only Linux runs
// containers here.
func seccompFilter(*specs.Spec) (*specs.LinuxSeccomp, error) { return nil, nil }
