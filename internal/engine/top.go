package engine

import (
	"context"
	"fmt"
	"strings"
)

// process is what the engine shows of the container's process: "" where
// it cannot.
type process struct {
	user          string // uid:gid
	caps, seccomp string // podman only
	engineSeccomp bool   // docker: the daemon runs containers under seccomp
}

// process asks the engine's `top` about the container's process: docker's
// runs ps on the daemon's machine, podman's reads the process itself.
func (c *running) process(ctx context.Context) (process, error) {
	var p process
	if c.e.Name == Podman {
		out, err := c.e.output(ctx, "top", c.name, "huser", "hgroup", "capeff", "seccomp")
		if err != nil {
			return p, err
		}
		f, err := topRow(out, 4)
		if err != nil {
			return p, fmt.Errorf("podman top %s: %w", c.name, err)
		}
		p.user, p.caps, p.seccomp = f[0]+":"+f[1], f[2], f[3]
		return p, nil
	}
	// docker's top needs the pid column to find the container's rows.
	out, err := c.e.output(ctx, "top", c.name, "-o", "pid,uid,gid")
	if err != nil {
		return p, err
	}
	f, err := topRow(out, 3)
	if err != nil {
		return p, fmt.Errorf("docker top %s: %w", c.name, err)
	}
	p.user = f[1] + ":" + f[2]
	opts, err := c.e.output(ctx, "info", "--format", "{{json .SecurityOptions}}")
	if err != nil {
		return p, err
	}
	p.engineSeccomp = strings.Contains(opts, "name=seccomp")
	return p, nil
}

// topRow is the one process row of top's output, n columns.
func topRow(out string, n int) ([]string, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		return nil, fmt.Errorf("want a header and one process, got %q", out)
	}
	f := strings.Fields(lines[1])
	if len(f) != n {
		return nil, fmt.Errorf("want %d columns, got %q", n, lines[1])
	}
	return f, nil
}
