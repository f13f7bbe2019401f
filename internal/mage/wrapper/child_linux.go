package main

import "syscall"

// dieWithParent asks the kernel for SIGTERM when the parent exits.
func dieWithParent() {
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
}

// targetAttr has the kernel send the compiled magefile SIGTERM should the
// thread that started it end: it stops its container and exits.
func targetAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM} }
