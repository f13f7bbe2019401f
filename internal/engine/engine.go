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
	var stdout, stderr bytes.Buffer
	c := e.cmd(ctx, args...)
	c.Stdin, c.Stdout, c.Stderr = in, &stdout, &stderr
	if err := c.Run(); err != nil {
		if msg := reason(stderr.String()); msg != "" {
			err = errors.New(msg)
		}
		return stdout.String(), fmt.Errorf("%s %s: %w", e.Name, args[0], err)
	}
	return stdout.String(), nil
}

// reason is the line of a client's stderr that says what went wrong: the
// last, but for docker's closing "Run 'docker run --help' for more
// information" or "See 'docker run --help'.".
func reason(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.Contains(l, "--help") {
			return l
		}
	}
	return ""
}

// Ping checks that the engine answers: a Docker daemon (or Podman's
// machine) that is not running is one line saying how to start it.
func (e Engine) Ping(ctx context.Context) error {
	if _, err := e.output(ctx, "version", "--format", "{{.Server.Version}}"); err != nil {
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
