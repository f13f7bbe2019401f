package dev

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/health"
)

// Runner starts versions of the service.
type Runner interface {
	// Platform is what the binaries are compiled for.
	Platform() v1.Platform
	// Start runs the executable bin, serving on 127.0.0.1:port, its
	// output going to logs.
	Start(ctx context.Context, bin string, port int, logs io.Writer) (Instance, error)
}

// Instance is one running version.
type Instance interface {
	// Done is closed once it has exited.
	Done() <-chan struct{}
	// Stop asks it to stop (SIGTERM) and waits; after grace it kills it.
	// Then it removes whatever it made but the binary.
	Stop(grace time.Duration) error
	// Exited says how it exited, once Done is closed.
	Exited() string
}

// Process runs each version as a plain process of this machine's platform:
// no root, no engine, no image.
func Process() Runner { return processRunner{} }

type processRunner struct{}

func (processRunner) Platform() v1.Platform {
	return v1.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
}

func (processRunner) Start(ctx context.Context, bin string, port int, logs io.Writer) (Instance, error) {
	// Not CommandContext: the process must outlive a cancelled reload and
	// stop gracefully, by Stop.
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "HOST=127.0.0.1", "PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logs, logs
	// A process group of its own: Ctrl-C in the terminal reaches dev, and
	// dev stops each version in order, rather than all at once.
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set before done is closed
}

func (p *process) Done() <-chan struct{} { return p.done }

func (p *process) Exited() string {
	if p.err != nil {
		return p.err.Error()
	}
	return "exit status 0"
}

func (p *process) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := terminate(p.cmd.Process); err != nil {
		p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("pid %d did not exit within %s of SIGTERM; killed it", p.cmd.Process.Pid, grace)
	}
}

// waitHealthy polls 127.0.0.1:port/health until it answers 200, inst
// exits, or timeout passes.
func waitHealthy(ctx context.Context, inst Instance, port int, timeout time.Duration) error {
	url := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/health"
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("it did not answer %s within %s", url, timeout))
	defer cancel()
	return health.Wait(ctx, url, 3*time.Millisecond, inst.Done(), func() error {
		return fmt.Errorf("it exited before it answered /health: %s", inst.Exited())
	})
}
