package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/health"
)

// Serve runs img published on 127.0.0.1:port until ctx is done: once
// /health answers, the URL goes to stdout; then SIGTERM, and the container
// and its bundle are removed, whatever happened. opts go to Start.
func Serve(ctx context.Context, img v1.Image, port int, stdout, logs io.Writer, opts ...Option) error {
	c, err := Start(img, slices.Concat(opts, []Option{WithPublish(port), WithOutput(logs)})...)
	if err != nil {
		if errors.Is(err, errPortTaken) {
			return fmt.Errorf("%w; set PORT to a free one", err)
		}
		return err
	}
	defer c.Remove()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	took, err := WaitHealthy(ctx, c, base, 10*time.Second)
	if err != nil {
		return err
	}
	select {
	case <-c.Done():
		return fmt.Errorf("container %s exited with status %d: %s", c.ID, c.ExitCode(), lastLine(c.Stderr()))
	default:
	}
	fmt.Fprintf(logs, "container %s healthy %d ms after runc started; Ctrl-C stops it\n", c.ID, took.Milliseconds())
	fmt.Fprintln(stdout, base)
	select {
	case <-ctx.Done():
	case <-c.Done():
		return fmt.Errorf("container %s exited with status %d", c.ID, c.ExitCode())
	}
	// Mage gives a target 5 s to clean up after Ctrl-C before it exits and
	// orphans whatever is left: SIGTERM, 3 s to drain, then SIGKILL.
	if _, err := c.Stop(serveGrace); err != nil {
		return err
	}
	fmt.Fprintf(logs, "container %s stopped with status %d and removed\n", c.ID, c.ExitCode())
	return nil
}

// serveGrace is how long run lets the service drain after Ctrl-C.
const serveGrace = 3 * time.Second

// WaitHealthy polls base/health until it answers 200 and returns how long
// that took after runc started.
func WaitHealthy(ctx context.Context, c *Container, base string, timeout time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("container %s not healthy at %s/health within %s", c.ID, base, timeout))
	defer cancel()
	err := health.Wait(ctx, base+"/health", 2*time.Millisecond, c.Done(), func() error {
		return fmt.Errorf("container %s exited with status %d before it was healthy: %s", c.ID, c.ExitCode(), lastLine(c.Stderr()))
	})
	if err != nil {
		return 0, err
	}
	return time.Since(c.Started()), nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// FreePort is a TCP port on 127.0.0.1 that is free now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
