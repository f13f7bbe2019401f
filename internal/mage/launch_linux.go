package main

import (
	"os/exec"
	"runtime"
	"syscall"
)

// runTied runs cmd, which the kernel interrupts (as Ctrl-C would: the go
// command stops its compiles and removes its work folder) should this
// process die first, even of SIGKILL. The signal follows the thread that
// started cmd, so that thread is kept until cmd ends.
func runTied(cmd *exec.Cmd) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGINT}
	return cmd.Run()
}
