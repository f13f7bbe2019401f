// Package container starts an image as a real container with runc: it
// unpacks the layers into a bundle (with rootfs), writes the OCI runtime
// spec from the image's config, runs it, and cleans up after it.
package container

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/lehus1/devops-info-service-go/internal/rootfs"
)

// ErrNoRunc says runc is missing, and how to get it.
var ErrNoRunc = errors.New("runc is not installed (on Debian: apt-get install runc)")

// Container is a running container and its bundle.
type Container struct {
	ID     string
	Bundle string

	root    string // runc's state folder; "" for runc's default
	spec    *specs.Spec
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{}
	waitErr error
	stderr  *bytes.Buffer
	fwd     *forwarder // nil unless published
	owner   *os.File   // the bundle's owner lock, held until Remove

	nsMu sync.Mutex
	ns   *netns // the container's network namespace, once known
}

type options struct {
	env     []string
	output  io.Writer
	dir     string
	root    string
	publish int
}

// Option changes how Start works.
type Option func(*options)

// WithEnv adds KEY=VALUE settings over the image's environment. Default none.
func WithEnv(env ...string) Option { return func(o *options) { o.env = append(o.env, env...) } }

// WithOutput sets where the container's stdout and stderr go. Default nowhere.
func WithOutput(w io.Writer) Option { return func(o *options) { o.output = w } }

// WithBundleDir sets the folder the bundle is made in. Default os.TempDir().
func WithBundleDir(dir string) Option { return func(o *options) { o.dir = dir } }

// WithRuncRoot sets the folder runc keeps the container's state in (runc
// --root). Containers under their own root are listed, stopped and deleted
// apart from everyone else's, as tests need. Default runc's own
// (/run/runc), where `runc list` shows it.
func WithRuncRoot(dir string) Option { return func(o *options) { o.root = dir } }

// WithPublish makes the service reachable from this machine: 127.0.0.1:port
// is forwarded to the image's port (contract.Port) in the container's own
// network namespace, as docker run -p 127.0.0.1:port:8000 does. Start
// fails at once when the port is taken. Default: not published; nothing
// outside the container can reach it.
func WithPublish(port int) Option { return func(o *options) { o.publish = port } }

// errPortTaken says another process holds WithPublish's port.
var errPortTaken = errors.New("is taken")

// ErrNeedsLinux says this machine cannot run a container with runc at all:
// runc needs a Linux kernel.
var ErrNeedsLinux = errors.New("run and smoke need Linux and runc")

// Available says whether runc can run containers here: this is Linux, runc
// is installed and this process is root.
func Available() error { return available(runtime.GOOS, exec.LookPath, os.Geteuid()) }

func available(goos string, lookPath func(string) (string, error), euid int) error {
	if goos != "linux" {
		return ErrNeedsLinux
	}
	if _, err := lookPath("runc"); err != nil {
		return ErrNoRunc
	}
	if euid != 0 {
		return errors.New("running a container with runc needs root (run as root, or with sudo)")
	}
	return nil
}

// Start unpacks img into a new bundle and runs it with runc. The caller
// must Remove the container, whatever happens.
func Start(img v1.Image, opts ...Option) (*Container, error) {
	o := options{output: io.Discard, dir: os.TempDir()}
	for _, opt := range opts {
		opt(&o)
	}
	if err := Available(); err != nil {
		return nil, err
	}
	sweep(o, o.output)
	var ln net.Listener
	if o.publish != 0 {
		// Listening first, no free-port check then listen: another process
		// on the port would answer in the container's stead.
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(o.publish)); err != nil {
			return nil, fmt.Errorf("port %d on 127.0.0.1 %w: %w", o.publish, errPortTaken, err)
		}
	}
	c, err := start(img, o)
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return nil, err
	}
	if ln != nil {
		c.fwd = forward(ln, maxForwarded, halfCloseGrace, c.dialService)
	}
	return c, nil
}

func start(img v1.Image, o options) (*Container, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the image config: %w", err)
	}
	bundle, err := os.MkdirTemp(o.dir, bundlePrefix)
	if err != nil {
		return nil, fmt.Errorf("making the bundle: %w", err)
	}
	owner, err := lockBundle(bundle)
	if err != nil {
		os.RemoveAll(bundle)
		return nil, err
	}
	c := &Container{ID: idPrefix + randomHex(6), Bundle: bundle, root: o.root, owner: owner, done: make(chan struct{}), stderr: &bytes.Buffer{}}
	if err := c.prepare(img, cf, o.env); err != nil {
		os.RemoveAll(bundle)
		owner.Close()
		return nil, err
	}
	c.cmd = exec.Command("runc", c.runc("run", "--bundle", bundle, "--pid-file", filepath.Join(bundle, "pid"), c.ID)...)
	c.cmd.Stdout = o.output
	c.cmd.Stderr = io.MultiWriter(o.output, c.stderr)
	// Its own process group: a Ctrl-C at the terminal reaches us, and we
	// stop the container in order, rather than runc being hit directly.
	// Should this process be killed, runc gets SIGTERM (see runcAttr).
	c.cmd.SysProcAttr = runcAttr()
	c.started = time.Now()
	started := make(chan error)
	go func() {
		// The thread that starts runc lives until runc exits.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := c.cmd.Start()
		started <- err
		if err == nil {
			c.waitErr = c.cmd.Wait()
			close(c.done)
		}
	}()
	if err := <-started; err != nil {
		os.RemoveAll(bundle)
		owner.Close()
		return nil, fmt.Errorf("starting runc: %w", err)
	}
	return c, nil
}

// Started is when runc was started, after the bundle was ready.
func (c *Container) Started() time.Time { return c.started }

func (c *Container) prepare(img v1.Image, cf *v1.ConfigFile, env []string) error {
	dir := filepath.Join(c.Bundle, "rootfs")
	if _, err := rootfs.Unpack(img, dir); err != nil {
		return err
	}
	spec, err := Spec(cf, dir, env)
	if err != nil {
		return err
	}
	c.spec = spec
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.Bundle, "config.json"), data, 0o600)
}

// Done is closed when the container has exited.
func (c *Container) Done() <-chan struct{} { return c.done }

// ExitCode is the container's exit status once Done is closed; -1 if it
// was killed by a signal or never ran.
func (c *Container) ExitCode() int {
	var ee *exec.ExitError
	switch {
	case c.waitErr == nil:
		return 0
	case errors.As(c.waitErr, &ee):
		return ee.ExitCode()
	}
	return -1
}

// Stderr is what runc and the container wrote to stderr so far.
func (c *Container) Stderr() string { return c.stderr.String() }

// Pid is the container's first process as this machine sees it.
func (c *Container) Pid(ctx context.Context) (int, error) {
	out, err := c.command(ctx, "state", c.ID).Output()
	if err != nil {
		return 0, fmt.Errorf("asking runc for %s's state: %w", c.ID, err)
	}
	var st struct{ Pid int }
	if err := json.Unmarshal(out, &st); err != nil || st.Pid == 0 {
		return 0, fmt.Errorf("reading runc's state of %s: %q", c.ID, out)
	}
	return st.Pid, nil
}

// Stop sends SIGTERM and waits up to grace for the container to exit, then
// kills it. It returns how long the exit took after SIGTERM.
func (c *Container) Stop(grace time.Duration) (time.Duration, error) {
	start := time.Now()
	select {
	case <-c.done:
		return 0, nil
	default:
	}
	if out, err := c.command(context.Background(), "kill", c.ID, "TERM").CombinedOutput(); err != nil {
		select {
		case <-c.done: // it exited on its own meanwhile
			return time.Since(start), nil
		default:
		}
		return 0, fmt.Errorf("sending SIGTERM to %s: %w: %s", c.ID, err, bytes.TrimSpace(out))
	}
	select {
	case <-c.done:
		return time.Since(start), nil
	case <-time.After(grace):
		c.command(context.Background(), "kill", c.ID, "KILL").Run()
		<-c.done
		return time.Since(start), fmt.Errorf("container %s did not exit within %s of SIGTERM; killed it", c.ID, grace)
	}
}

// Remove stops the container if it still runs, stops publishing it,
// deletes it from runc and removes its bundle. It is safe to call more
// than once.
func (c *Container) Remove() error {
	c.halt(time.Second, removeTimeout)
	if c.fwd != nil {
		c.fwd.Close()
	}
	c.nsMu.Lock()
	if c.ns != nil {
		c.ns.Close()
		c.ns = nil
	}
	c.nsMu.Unlock()
	c.command(context.Background(), "delete", "--force", c.ID).Run()
	err := os.RemoveAll(c.Bundle)
	if c.owner != nil {
		c.owner.Close() // only now: a sweep must not take what is being removed
	}
	if err != nil {
		return fmt.Errorf("removing bundle %s: %w", c.Bundle, err)
	}
	return nil
}

// removeTimeout bounds how long Remove asks runc to stop a container it
// is still creating.
const removeTimeout = 10 * time.Second

// halt stops the container and waits until runc has exited, also when
// runc is still creating it: then runc kill does not know it yet and is
// asked again. Removing the bundle while runc writes to it failed with
// "directory not empty" and left it behind (a Ctrl-C while the rootfs was
// unpacked). It gives up after timeout.
func (c *Container) halt(grace, timeout time.Duration) {
	deadline := time.After(timeout)
	for {
		if _, err := c.Stop(grace); err == nil {
			return
		}
		select {
		case <-c.done:
			return
		case <-deadline:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// command is runc running args for c, in a process group of its own: a
// Ctrl-C at the terminal reaches every process of the caller's group, and
// must not cut short the runc that stops or deletes a container on the
// way out (dev said "sending SIGTERM to ...: signal: interrupt").
func (c *Container) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "runc", c.runc(args...)...)
	cmd.SysProcAttr = ownGroup()
	return cmd
}

// runc is args for runc, under the container's own root when it has one.
func (c *Container) runc(args ...string) []string {
	if c.root == "" {
		return args
	}
	return append([]string{"--root", c.root}, args...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
