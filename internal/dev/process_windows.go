package dev

import (
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// A process group of its own, so that a CTRL_BREAK_EVENT can be sent to
// it alone (and the console's Ctrl-C reaches dev, not it).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
}

// terminate asks p to stop: Windows has no SIGTERM, and Go delivers a
// CTRL_BREAK_EVENT to the service as os.Interrupt, on which it drains and
// exits as on SIGTERM.
func terminate(p *os.Process) error {
	return windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(p.Pid))
}
