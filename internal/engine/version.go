package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lehus1/devops-info-service-go/internal/container"
	"github.com/lehus1/devops-info-service-go/internal/contract"
)

// devRepository names the images Start loads, one tag per container,
// removed with it: never a registry's name, and apart from build's tags.
const devRepository = "localhost/" + contract.Name + "-dev"

// Prepare checks, once before the first Start, that the engine c chose
// can run a container here, and removes what killed runs left, saying so
// on log.
func Prepare(ctx context.Context, c Choice, log io.Writer) error {
	if c.Name == Runc {
		return container.Available()
	}
	if err := c.prepare(ctx, log); err != nil {
		return err
	}
	return c.removeStaleTags(ctx, log)
}

// Version is one container Start started; Stop removes it and its image's
// tag.
type Version struct {
	// URL is where it serves: http://127.0.0.1:port.
	URL    string
	runc   *container.Container
	e      Engine
	ctr    *running
	tag    string
	exited <-chan struct{} // closed when the container has exited
	logs   chan struct{}   // closed when its logs stop
	// stopping is set by Stop: the container's exit is then its doing,
	// and no one asks the engine whether it exited.
	stopping atomic.Bool
	ctx      context.Context // Start's: done after a Ctrl-C
	log      io.Writer
}

// HandOff is how long Stop waits, after a Ctrl-C, for the reaper that
// stops the container before it leaves it to finish alone: dev stops its
// last version within mage's 5 s with time to spare.
const HandOff = 2500 * time.Millisecond

// Start runs img, confined as run confines its container, with the engine
// c chose, published on 127.0.0.1:port, its logs going to logs; it
// returns once the container runs, before /health answers. runc starts img
// itself; Docker and Podman load it from a `docker save` tarball streamed
// to the client's stdin (no file), tagged for this container alone.
func Start(ctx context.Context, c Choice, img v1.Image, port int, logs io.Writer) (*Version, error) {
	v := &Version{URL: "http://127.0.0.1:" + strconv.Itoa(port), e: c.Engine, logs: make(chan struct{}), ctx: ctx, log: logs}
	if c.Name == Runc {
		ctr, err := container.Start(img, container.WithPublish(port), container.WithOutput(logs))
		if err != nil {
			return nil, err
		}
		v.runc, v.exited = ctr, ctr.Done()
		return v, nil
	}
	name := newName()
	v.tag = devRepository + ":" + devTag(strings.TrimPrefix(name, contract.Name+"-"))
	if err := load(ctx, c.Engine, img, v.tag); err != nil {
		v.remove() // a load cut short may have tagged it
		return nil, err
	}
	ctr, err := c.run(ctx, name, v.tag, port, tryAgain)
	v.ctr = ctr
	if err != nil {
		close(v.logs)
		v.remove()
		return nil, err
	}
	exited := make(chan struct{})
	v.exited = exited
	go func() { ctr.follow(ctx, logs); close(v.logs) }()
	go func() {
		<-ctr.done
		// `wait` also returns when Ctrl-C reaches the client: only an
		// exit is one. After a Ctrl-C, or once Stop stops it, no one
		// asks, and the engine has better to do (Stop) than answer.
		if ctx.Err() == nil && !v.stopping.Load() && ctr.exited(ctx) {
			close(exited)
		}
	}()
	// No wait for /health here: dev waits for it, 10 s as for a process
	// or runc's container; run's 30 s made a version that hung take three
	// times as long to be given up under Docker and Podman.
	return v, nil
}

// load streams img, tagged tag, into e.
func load(ctx context.Context, e Engine, img v1.Image, tag string) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("tagging the image %q: %w", tag, err)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarball.Write(ref, img, pw)) }()
	defer pr.Close()
	if _, err := e.outputFrom(ctx, pr, "load", "--quiet"); err != nil {
		return fmt.Errorf("loading the image into %s: %w", e.Name, err)
	}
	return nil
}

// Done is closed once the container has exited.
func (v *Version) Done() <-chan struct{} { return v.exited }

// Exited says how the container exited, once Done is closed.
func (v *Version) Exited() string {
	if v.runc != nil {
		return fmt.Sprintf("container %s, exit status %d", v.runc.ID, v.runc.ExitCode())
	}
	return fmt.Sprintf("container %s: %s", v.ctr.name, v.ctr.lastLog(context.Background()))
}

// Stop sends SIGTERM, and SIGKILL after grace, then removes the container
// and, under Docker and Podman, its image's tag: the image goes too
// unless build's tags name it. Under Docker and Podman the reaper does
// it (reapEnv); after a Ctrl-C (Start's ctx done) Stop waits HandOff for
// it, then says so and leaves it to finish after this program exits.
func (v *Version) Stop(grace time.Duration) error {
	if v.runc != nil {
		_, err := v.runc.Stop(grace)
		return errors.Join(err, v.runc.Remove())
	}
	v.stopping.Store(true)
	job := reapJob{Engine: v.e, Name: v.ctr.name, Tag: v.tag, Grace: grace}
	r, err := startReaper(job)
	if err != nil { // stopped here, then
		err = errors.Join(err, job.do(context.Background()))
		<-v.logs
		return err
	}
	var handOff <-chan time.Time
	if v.ctx.Err() != nil {
		handOff = time.After(HandOff)
	}
	select {
	case err := <-r.done:
		<-v.logs
		return err
	case <-handOff:
		fmt.Fprintf(v.log, "container %s: its stop goes on in the background (pid %d), after this program exits\n", v.ctr.name, r.cmd.Process.Pid)
		return nil
	}
}

// remove removes the container, running or not, and its image's tag.
func (v *Version) remove() error {
	var err error
	if v.ctr != nil {
		err = v.ctr.remove(context.Background())
		<-v.logs
	}
	// Without a container the tag may not be there: a load cut short.
	if rerr := v.e.untag(context.Background(), v.tag); v.ctr != nil {
		err = errors.Join(err, rerr)
	}
	return err
}

// untag removes tag, one Start gave an image (the image goes with it
// unless build's tags name it).
func (e Engine) untag(ctx context.Context, tag string) error {
	if _, err := e.outputToEnd(ctx, "rmi", tag); err != nil {
		return fmt.Errorf("removing the image %s: %w", tag, err)
	}
	return nil
}
