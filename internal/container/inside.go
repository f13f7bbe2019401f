package container

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/contract"
)

// dialService connects to the service's port inside the container's
// network namespace: WithPublish forwards each connection it accepts here.
func (c *Container) dialService(ctx context.Context) (net.Conn, error) {
	ns, err := c.netns()
	if err != nil {
		return nil, err
	}
	return ns.dial(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(contract.Port)))
}

// netns is the container's network namespace, opened on first use: runc
// writes the pid file once the container exists.
func (c *Container) netns() (*netns, error) {
	c.nsMu.Lock()
	defer c.nsMu.Unlock()
	if c.ns != nil {
		return c.ns, nil
	}
	data, err := os.ReadFile(filepath.Join(c.Bundle, "pid"))
	if err != nil {
		return nil, fmt.Errorf("container %s is not running yet: %w", c.ID, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("reading container %s's pid file: %w", c.ID, err)
	}
	if c.ns, err = openNetns(pid); err != nil {
		return nil, err
	}
	return c.ns, nil
}

// Exec runs args in the running container as its own process runs (the
// same user, capabilities, limits and seccomp filter), with env over its
// environment, and returns what it wrote to stdout and stderr.
func (c *Container) Exec(ctx context.Context, env []string, args ...string) ([]byte, error) {
	p := *c.spec.Process
	p.Args, p.Env = args, mergeEnv(p.Env, env)
	data, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(c.Bundle, "exec-*.json")
	if err != nil {
		return nil, fmt.Errorf("writing the process for runc exec: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing the process for runc exec: %w", err)
	}
	return exec.CommandContext(ctx, "runc", c.runc("exec", "--process", f.Name(), c.ID)...).CombinedOutput()
}
