package engine

import "syscall"

// ownGroup puts a client in a process group of its own, which a
// console's Ctrl-C does not reach.
func ownGroup() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}
