//go:build !windows

package dev

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	dieWithDev(a)
	return a
}

// terminate asks p to stop, as an orchestrator would: SIGTERM.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
