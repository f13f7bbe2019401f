package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/container"
)

// serveGrace is how long run lets the service drain after Ctrl-C: mage
// gives a target 5 s to clean up before it exits.
const serveGrace = 3 * time.Second

// Serve runs the local image with the engine chosen, published on
// 127.0.0.1:port, until ctx is done (Ctrl-C, SIGTERM): once /health
// answers, the URL goes to stdout, and the service's logs to logs; then
// SIGTERM, and the container is removed, whatever happened. opts go to
// runc's container.Serve (its runc root and bundle folder, for tests).
// A Ctrl-C before the service answers is a stop too, said in a line, not
// an error.
func Serve(ctx context.Context, c Choice, local Local, port int, stdout, logs io.Writer, opts ...container.Option) error {
	err := serve(ctx, c, local, port, stdout, logs, opts...)
	if errors.Is(err, errStoppedStarting) {
		fmt.Fprintln(logs, "stopped before the service answered; what was started is removed")
		return nil
	}
	return err
}

// errStoppedStarting is serve's error for a Ctrl-C before the service
// answered; an error once it has (a stop that failed) stays one.
var errStoppedStarting = errors.New("stopped before the service answered")

// starting is err, met while the service starts, or errStoppedStarting
// when a Ctrl-C came meanwhile.
func starting(ctx context.Context, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		return errStoppedStarting
	}
	return err
}

func serve(ctx context.Context, c Choice, local Local, port int, stdout, logs io.Writer, opts ...container.Option) error {
	if c.Name == Runc {
		img, err := local.Image()
		if err != nil {
			return err
		}
		err = container.Serve(ctx, img, port, stdout, logs, opts...)
		if errors.Is(err, context.Canceled) { // from its wait for /health
			return errStoppedStarting
		}
		return err
	}
	ctr, err := start(ctx, c.Engine, local, port, setPort, logs)
	if ctr != nil {
		defer ctr.remove(ctx)
	}
	if err != nil {
		return starting(ctx, err)
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	took, err := ctr.waitHealthy(ctx, base, 30*time.Second)
	if err != nil {
		return starting(ctx, err)
	}
	go ctr.follow(ctx, logs)
	fmt.Fprintf(logs, "container %s healthy %d ms after %s run; Ctrl-C stops it\n", ctr.name, took.Milliseconds(), c.Name)
	fmt.Fprintln(stdout, base)
	for stopped := false; !stopped; {
		select {
		case <-ctx.Done():
			stopped = true
		case <-ctr.done:
			if ctx.Err() == nil {
				in, err := ctr.inspect(context.WithoutCancel(ctx))
				if err != nil { // not the container: the engine is gone
					return fmt.Errorf("lost the %s engine while container %s ran: %w", c.Name, ctr.name, err)
				}
				if !in.State.Running {
					return fmt.Errorf("container %s exited: %s", ctr.name, ctr.lastLog(ctx))
				}
			}
			<-ctx.Done() // the client's wait saw the Ctrl-C before this process did
			stopped = true
		}
	}
	slow := time.AfterFunc(serveGrace+500*time.Millisecond, func() {
		fmt.Fprintf(logs, "still removing container %s; if mage gives up first (5 s after Ctrl-C), the next run removes it\n", ctr.name)
	})
	defer slow.Stop()
	_, status, err := ctr.stop(ctx, serveGrace)
	if err != nil {
		return err
	}
	if err := ctr.remove(ctx); err != nil {
		return err
	}
	fmt.Fprintf(logs, "container %s stopped with status %d and removed\n", ctr.name, status)
	return nil
}
