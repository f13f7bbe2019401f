// Package linuxonly makes a call that exists only on Linux.
package linuxonly

import "syscall"

// DieWithParent asks for SIGTERM when the parent exits.
func DieWithParent() {
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
}
