package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/magefile/mage/mage"
	"github.com/magefile/mage/sh"
)

// parentAtStart is the process that started this one: `go tool`.
var parentAtStart = os.Getppid()

// runCompiled is mage.RunCompiled, but the compiled magefile, whose target
// may be running a container, goes down with the command the user started,
// whichever way that ends. On Linux: this process gets SIGTERM when `go
// tool` dies (even of SIGKILL), passes it on to the target and waits for
// it to clean up; should this process itself be killed, the kernel sends
// the target SIGTERM. Ctrl-C reaches the target from the terminal, as in
// mage.
func runCompiled(inv mage.Invocation, exe string, errlog *log.Logger) int {
	dieWithParent()
	if os.Getppid() != parentAtStart {
		errlog.Println("Error: the command that started mage has ended")
		return 1
	}
	c := exec.Command(exe, inv.Args...)
	c.Stdin, c.Stdout, c.Stderr = inv.Stdin, inv.Stdout, inv.Stderr
	c.Dir = inv.WorkDir
	c.Env = append(os.Environ(), mageEnv(inv)...)
	c.SysProcAttr = targetAttr()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	err := startAndWait(c, signals)
	if !sh.CmdRan(err) {
		errlog.Printf("failed to run compiled magefile: %v", err)
	}
	return sh.ExitStatus(err)
}

// startAndWait runs c to its end, passing SIGTERM on to it. The kernel
// sends targetAttr's signal when the thread that started c ends, so that
// thread is kept until c exits.
func startAndWait(c *exec.Cmd, signals <-chan os.Signal) error {
	done := make(chan error, 1)
	started := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := c.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- c.Wait()
	}()
	if err := <-started; err != nil {
		return err
	}
	for {
		select {
		case err := <-done:
			return err
		case sig := <-signals:
			if sig == syscall.SIGTERM {
				c.Process.Signal(sig)
			}
		}
	}
}

// mageEnv is what mage tells the compiled magefile of its flags.
func mageEnv(inv mage.Invocation) []string {
	var env []string
	if inv.Verbose {
		env = append(env, "MAGEFILE_VERBOSE=1")
	}
	if inv.Debug {
		env = append(env, "MAGEFILE_DEBUG=1")
	}
	if inv.GoCmd != "" {
		env = append(env, "MAGEFILE_GOCMD="+inv.GoCmd)
	}
	if inv.Timeout > 0 {
		env = append(env, fmt.Sprintf("MAGEFILE_TIMEOUT=%s", inv.Timeout))
	}
	return env
}
