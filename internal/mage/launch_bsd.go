//go:build unix && !linux

package main

import "os/exec"

// runTied runs cmd; only Linux passes a parent's death on.
func runTied(cmd *exec.Cmd) error { return cmd.Run() }
