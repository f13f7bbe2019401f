//go:build !unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
)

// launch runs the wrapper and returns its exit code. Ctrl-C reaches it
// from the console; this process waits for it.
func launch(exe string, args []string) int {
	signal.Ignore(os.Interrupt)
	cmd := exec.Command(exe, args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		os.Stderr.WriteString("Error: starting the wrapper of `go tool mage`: " + err.Error() + "\n")
		return 1
	}
	return 0
}

// runTied runs cmd.
func runTied(cmd *exec.Cmd) error { return cmd.Run() }
