//go:build !linux

package main

import "syscall"

// dieWithParent does nothing: only Linux passes a parent's death on, and
// only Linux runs the containers that must not outlive the command.
func dieWithParent() {}

func targetAttr() *syscall.SysProcAttr { return nil }
