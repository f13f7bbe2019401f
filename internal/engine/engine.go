package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
)

// Engine is a container engine's client: its name (docker or podman), the
// program and the global flags every command gets (a test's own socket or
// storage; none for the user's engine).
type Engine struct {
	Name string
	Path string
	Args []string
}

// cmd is the client running args after the global flags.
func (e Engine) cmd(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, e.Path, slices.Concat(e.Args, args)...)
}

// output runs the client and returns its stdout; a failure is an error
// naming the command, with the client's last line of stderr.
func (e Engine) output(ctx context.Context, args ...string) (string, error) {
	return e.outputFrom(ctx, nil, args...)
}

// outputFrom is output with stdin read from in.
func (e Engine) outputFrom(ctx context.Context, in io.Reader, args ...string) (string, error) {
	c := e.cmd(ctx, args...)
	c.Stdin = in
	return e.collect(c, args[0])
}

// outputToEnd is output for a command that must not be cut short: one
// that makes a container. A client killed halfway leaves what the engine
// goes on to make after it died (Docker: a container created after the
// `rm` meant for it; Podman: a conmon that never exits), so neither ctx
// nor the Ctrl-C a terminal sends its whole foreground process group
// stops it: it runs in a process group of its own.
func (e Engine) outputToEnd(ctx context.Context, args ...string) (string, error) {
	return e.outputAlone(context.WithoutCancel(ctx), args...)
}

// outputAlone is output with the client in a process group of its own:
// ctx alone stops it, never the Ctrl-C a terminal sends its foreground
// process group.
func (e Engine) outputAlone(ctx context.Context, args ...string) (string, error) {
	c := e.cmd(ctx, args...)
	c.SysProcAttr = ownGroup()
	return e.collect(c, args[0])
}

// collect runs c and returns its stdout; a failure is an error naming the
// client's command, with the client's last line of stderr.
func (e Engine) collect(c *exec.Cmd, command string) (string, error) {
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		if msg := reason(stderr.String()); msg != "" {
			err = errors.New(msg)
		}
		return stdout.String(), fmt.Errorf("%s %s: %w", e.Name, command, err)
	}
	return stdout.String(), nil
}

// reason is the line of a client's stderr that says what went wrong: the
// last that starts an error ("Error: ...", "docker: Error response from
// daemon: ..."), whose body may go on over lines (an HTML page, when
// DOCKER_HOST is a web server's); else the last, but for docker's closing
// "Run 'docker run --help' for more information" or "See 'docker run
// --help'.".
func reason(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := ""
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if _, rest, _ := strings.Cut(l, ": "); strings.HasPrefix(l, "Error") || strings.HasPrefix(rest, "Error") {
			return l
		}
		if last == "" && l != "" && !strings.Contains(l, "--help") {
			last = l
		}
	}
	return last
}

// Ping checks that the engine answers: a Docker daemon (or Podman's
// machine) that is not running is one line saying how to start it.
func (e Engine) Ping(ctx context.Context) error {
	// In a process group of its own, stopped by ctx alone: a terminal's
	// Ctrl-C killed the client before this process knew of it, and dev
	// told it as the engine being down ("docker version: signal:
	// interrupt").
	if _, err := e.outputAlone(ctx, "version", "--format", "{{.Server.Version}}"); err != nil {
		how := "Docker Desktop, or `sudo systemctl start docker` on Linux"
		if e.Name == Podman {
			how = "`podman machine start` on macOS and Windows"
		}
		return fmt.Errorf("the %s engine is not running or not reachable (%s); start it (%s), or choose another with ENGINE=runc|docker|podman", e.Name, err, how)
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}
