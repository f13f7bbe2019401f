//go:build unix

package main

import (
	"os"
	"syscall"
)

// launch runs the wrapper in this process's place: `go tool`, the
// terminal and the targets see the process they always saw.
func launch(exe string, args []string) int {
	err := syscall.Exec(exe, args, os.Environ())
	os.Stderr.WriteString("Error: starting the wrapper of `go tool mage`: " + err.Error() + "\n")
	return 1
}
