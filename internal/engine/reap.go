package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// mage exits 5 s after a Ctrl-C, whether its target is done or not, and
// an engine's clients can take longer than that to stop a container and
// remove it and its tag (one in a virtual machine, or on a loaded
// machine: each Podman call took 1 to 2 s under CI's load here). So a
// Version is stopped by a copy of this program (the magefile binary, or a
// test's), started in a process group of its own, which no Ctrl-C
// reaches and which goes on after this one exits: the reaper. It is told
// what to do in reapEnv, and does it in this package's init, before the
// program's own main (as moby's reexec does).
const reapEnv = "DEVOPS_INFO_SERVICE_GO_REAP"

// reapJob is what the reaper stops and removes.
type reapJob struct {
	Engine Engine
	Name   string // the container
	Tag    string // its image's tag
	Grace  time.Duration
}

func init() {
	if job := os.Getenv(reapEnv); job != "" {
		os.Unsetenv(reapEnv) // the clients it starts are not reapers
		// Its stderr is a pipe to the Version's program, which may have
		// exited: a write then fails, and must not kill the reaper.
		signal.Ignore(syscall.SIGPIPE, syscall.SIGINT, syscall.SIGHUP)
		os.Exit(reapMain(job, os.Stderr))
	}
}

// reapMain is the reaper: it stops and removes the container and its tag
// described by job (JSON), saying on stderr what failed, and returns its
// exit status.
func reapMain(job string, stderr io.Writer) int {
	var j reapJob
	if err := json.Unmarshal([]byte(job), &j); err != nil {
		fmt.Fprintf(stderr, "reading %s: %v\n", reapEnv, err)
		return 2
	}
	if err := j.do(context.Background()); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// do stops the container (SIGTERM, SIGKILL after the grace), removes it
// and then its image's tag.
func (j reapJob) do(ctx context.Context) error {
	c := &running{e: j.Engine, name: j.Name}
	return errors.Join(c.end(ctx, j.Grace), j.Engine.untag(ctx, j.Tag))
}

// reaper is a started reaper.
type reaper struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan error // Wait's, with the reaper's stderr
}

// startReaper starts the reaper for j.
func startReaper(j reapJob) (*reaper, error) {
	spec, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding this program to stop container %s: %w", j.Name, err)
	}
	r := &reaper{cmd: exec.Command(self), done: make(chan error, 1)}
	r.cmd.Env = append(os.Environ(), reapEnv+"="+string(spec))
	r.cmd.Stderr = &r.stderr
	r.cmd.SysProcAttr = ownGroup()
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the stop of container %s: %w", j.Name, err)
	}
	go func() {
		err := r.cmd.Wait()
		if msg := strings.TrimSpace(r.stderr.String()); msg != "" {
			err = errors.New(msg)
		}
		r.done <- err
	}()
	return r, nil
}
