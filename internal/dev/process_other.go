//go:build !linux && !windows

package dev

import "syscall"

// dieWithDev does nothing: only Linux can tie a child's life to its
// parent's; elsewhere a dev killed with kill -9 leaves its version running.
func dieWithDev(*syscall.SysProcAttr) {}
