package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/lehus1/devops-info-service-go/internal/container"
	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/health"
)

// running is a container the engine started; remove it, whatever happens.
type running struct {
	e       Engine
	name    string
	started time.Time
	done    chan struct{} // closed when `wait` returns
}

// start loads the local image into e and runs it, detached and confined,
// published on 127.0.0.1:port; taken says how to fix a port found taken
// (setPort or tryAgain). A nil container means nothing was started.
func start(ctx context.Context, e Engine, local Local, port int, taken string, log io.Writer) (*running, error) {
	ref, err := local.tag()
	if err != nil {
		return nil, err
	}
	if err := e.prepare(ctx, log); err != nil {
		return nil, err
	}
	if _, err := e.output(ctx, "load", "--quiet", "--input", local.Tarball); err != nil {
		return nil, fmt.Errorf("loading %s: %w", local.Tarball, err)
	}
	e.pruneReplaced(ctx)
	return e.run(ctx, newName(), ref, port, taken)
}

// What run adds to an engine's "port taken": the user's PORT, or a port
// picked as free that something took before the engine bound it.
const (
	setPort  = "set PORT to a free one"
	tryAgain = "it was free a moment before: try again"
)

// pruneReplaced removes the service's images that a load of a rebuilt one
// left without a tag, and that no container uses: each rebuild would
// leave one behind, found by nothing but its ID. What fails to go stays
// for the next run.
func (e Engine) pruneReplaced(ctx context.Context) {
	e.output(ctx, "image", "prune", "--force", "--filter", "label="+ocispec.AnnotationTitle+"="+contract.Name)
}

// prepare checks that e answers and removes what killed runs left.
func (e Engine) prepare(ctx context.Context, log io.Writer) error {
	if err := e.Ping(ctx); err != nil {
		return err
	}
	return e.removeStale(ctx, log)
}

// newName is a container's name: the service's, and a random suffix.
func newName() string {
	suffix := make([]byte, 4)
	rand.Read(suffix)
	return contract.Name + "-" + hex.EncodeToString(suffix)
}

// run runs the image ref, already loaded, as the container name,
// detached and confined, published on 127.0.0.1:port. A nil container
// means nothing was started.
func (e Engine) run(ctx context.Context, name, ref string, port int, taken string) (*running, error) {
	c := &running{e: e, name: name, started: time.Now(), done: make(chan struct{})}
	if _, err := e.outputToEnd(ctx, runArgs(c.name, ref, port)...); err != nil {
		switch s := err.Error(); {
		case strings.Contains(s, "already allocated") || strings.Contains(s, "address already in use"):
			err = fmt.Errorf("%w; %s", err, taken)
		case strings.Contains(s, "unknown flag") || strings.Contains(s, "unknown shorthand flag"):
			err = fmt.Errorf("%w; this %s is older than run needs: update it", err, e.Name)
		}
		return c, err
	}
	if err := ctx.Err(); err != nil {
		return c, err // a Ctrl-C came while the client made it
	}
	go func() {
		e.output(context.WithoutCancel(ctx), "wait", c.name)
		close(c.done)
	}()
	return c, nil
}

// runArgs is `run` of the image just loaded (never pulled) with the
// confinement Docker and Podman can give, which
// smoke reads back: no capabilities, no new privileges, the engine's
// default seccomp profile (nothing turns it off), a process and an
// open-file limit, a noexec, nosuid, nodev /tmp, a read-only root (the
// service writes nothing), and the port on 127.0.0.1 only.
func runArgs(name, ref string, port int) []string {
	args := []string{"run", "--detach", "--pull", "never", "--name", name, "--label", ownerLabel + "=" + owner(),
		"--cap-drop", "ALL", "--security-opt", "no-new-privileges",
		"--pids-limit", strconv.Itoa(container.Processes),
		"--ulimit", fmt.Sprintf("nofile=%d:%d", container.OpenFiles, container.OpenFiles),
		"--tmpfs", "/tmp:rw,noexec,nosuid,nodev,size=16m", "--read-only",
		"--publish", fmt.Sprintf("127.0.0.1:%d:%d", port, contract.Port)}
	// Podman's own defaults raise the process limit to 1048576, which runc
	// refuses where the hard limit is lower; its health check needs
	// systemd timers, which containers and CI machines lack: run's own
	// /health poll does that job. Docker's client gets them too: the
	// engine behind it may be Podman's (Podman Desktop's docker socket).
	args = append(args, "--ulimit", fmt.Sprintf("nproc=%d:%d", container.Processes, container.Processes), "--no-healthcheck")
	return append(args, ref)
}

// waitHealthy polls base/health until it answers 200 and says how long
// that took after the run command started.
func (c *running) waitHealthy(ctx context.Context, base string, timeout time.Duration) (time.Duration, error) {
	slow := errors.New("not healthy in time")
	wctx, cancel := context.WithTimeoutCause(ctx, timeout, slow)
	defer cancel()
	err := health.Wait(wctx, base+"/health", 20*time.Millisecond, c.done, func() error {
		if !c.exited(ctx) {
			return nil // the client's wait ended, not the container: Ctrl-C is on its way
		}
		return fmt.Errorf("container %s exited before it was healthy: %s", c.name, c.lastLog(ctx))
	})
	if err == slow {
		return 0, fmt.Errorf("container %s not healthy at %s/health within %s: %s", c.name, base, timeout, c.lastLog(ctx))
	}
	if err != nil {
		return 0, err
	}
	return time.Since(c.started), nil
}

// exited says whether the container is no longer running: `wait` also
// returns when Ctrl-C reaches the client itself.
func (c *running) exited(ctx context.Context) bool {
	in, err := c.inspect(context.WithoutCancel(ctx))
	return err != nil || !in.State.Running
}

// lastLog is the last line the service logged.
func (c *running) lastLog(ctx context.Context) string {
	cmd := c.e.cmd(context.WithoutCancel(ctx), "logs", "--tail", "1", c.name)
	out, _ := cmd.CombinedOutput()
	return lastLine(string(out))
}

// follow copies the service's logs to w until the container is gone.
func (c *running) follow(ctx context.Context, w io.Writer) {
	cmd := c.e.cmd(context.WithoutCancel(ctx), "logs", "--follow", c.name)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Run()
}

// stop sends SIGTERM, and SIGKILL after grace, and says how long the
// container took to exit, and with which status.
func (c *running) stop(ctx context.Context, grace time.Duration) (time.Duration, int, error) {
	t := time.Now()
	if err := c.halt(ctx, grace); err != nil {
		return 0, 0, err
	}
	took := time.Since(t)
	in, err := c.inspect(context.WithoutCancel(ctx))
	if err != nil {
		return took, 0, err
	}
	return took, in.State.ExitCode, nil
}

// end stops the container as stop does and removes it, for a caller
// that does not need the exit status (dev's versions: their last stop
// after a Ctrl-C has to be done before mage gives up on the target, 5 s),
// so without stop's inspect: a client call fewer.
func (c *running) end(ctx context.Context, grace time.Duration) error {
	return errors.Join(c.halt(ctx, grace), c.remove(ctx))
}

// halt is the engine's stop: SIGTERM, and SIGKILL after grace. It runs to
// its end, as remove does: a Ctrl-C at the terminal killed the client
// stopping dev's old version, and dev said it had failed.
func (c *running) halt(ctx context.Context, grace time.Duration) error {
	_, err := c.e.outputToEnd(ctx, "stop", "--time", strconv.Itoa(int(grace.Seconds())), c.name)
	return err
}

// remove removes the container, running or not; also after Ctrl-C.
func (c *running) remove(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	// Alone, as outputToEnd, but within the timeout: a Ctrl-C must not cut
	// it short and leave the container.
	_, err := c.e.outputAlone(ctx, "rm", "--force", c.name)
	return err
}

// inspected is what smoke reads back from `inspect`; Docker and Podman
// write these fields alike.
type inspected struct {
	State struct {
		Running  bool
		ExitCode int
	}
	Config struct {
		User   string
		Labels map[string]string
	}
	HostConfig struct {
		CapAdd, CapDrop, SecurityOpt []string
		ReadonlyRootfs               bool
		PidsLimit                    int64
		Ulimits                      []struct {
			Name       string
			Soft, Hard int64
		}
		Tmpfs        map[string]string
		PortBindings map[string][]struct{ HostIp, HostPort string }
	}
}

func (c *running) inspect(ctx context.Context) (inspected, error) {
	out, err := c.e.output(ctx, "inspect", "--type", "container", c.name)
	if err != nil {
		return inspected{}, err
	}
	var in []inspected
	if err := json.Unmarshal([]byte(out), &in); err != nil || len(in) != 1 {
		return inspected{}, fmt.Errorf("reading %s inspect %s: %v", c.e.Name, c.name, err)
	}
	return in[0], nil
}
