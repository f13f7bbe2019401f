//go:build mage

package mageonly

import "syscall"

// Detached is how a process would be started in its own group.
var Detached = &syscall.SysProcAttr{Setpgid: true}
