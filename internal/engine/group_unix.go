//go:build unix

package engine

import "syscall"

// ownGroup puts a client in a process group of its own, which a
// terminal's Ctrl-C does not reach.
func ownGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
