package dev

import "syscall"

// dieWithDev has the kernel send the version SIGTERM should dev itself be
// killed (kill -9), so that no version outlives it.
func dieWithDev(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGTERM }
