//go:build linux

package container

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// shortOfFds is a listener whose first n Accepts fail as they do when the
// process is out of file descriptors.
type shortOfFds struct {
	net.Listener
	n atomic.Int32
}

func (l *shortOfFds) Accept() (net.Conn, error) {
	if l.n.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// Running out of file descriptors for a while does not end the forwarder:
// once there are some again, it accepts again.
func TestForwardOutlivesAcceptErrors(t *testing.T) {
	for _, errs := range []int32{1, 8} {
		t.Run(fmt.Sprint(errs), func(t *testing.T) {
			target := upper(t)
			ln := &shortOfFds{Listener: listen(t)}
			ln.n.Store(errs)
			f := forward(ln, maxForwarded, halfCloseGrace, dialTo(target))
			defer f.Close()
			if got, err := ask(dial(t, ln, 1)[0], "still there"); got != "STILL THERE" || err != nil {
				t.Errorf("answer after %d EMFILE from Accept = %q, %v; want %q", errs, got, err, "STILL THERE")
			}
		})
	}
}

// counted is a connection that counts itself out when closed.
type counted struct {
	net.Conn
	live *atomic.Int32
	once sync.Once
}

func (c *counted) Close() error {
	c.once.Do(func() { c.live.Add(-1) })
	return c.Conn.Close()
}

// No more than the limit are forwarded at once; the rest wait in the
// listener's queue and are served when room is made.
func TestForwardCapsConnections(t *testing.T) {
	const limit, clients = 8, 20
	ln := listen(t)
	var live, peak, dialled atomic.Int32
	var mu sync.Mutex
	var inside []net.Conn
	f := forward(ln, limit, halfCloseGrace, func(context.Context) (net.Conn, error) {
		dialled.Add(1)
		n := live.Add(1)
		mu.Lock()
		peak.Store(max(peak.Load(), n))
		a, b := net.Pipe()
		inside = append(inside, b)
		mu.Unlock()
		return &counted{Conn: a, live: &live}, nil
	})
	defer f.Close()
	conns := dial(t, ln, clients)
	time.Sleep(200 * time.Millisecond)
	if got := dialled.Load(); got != limit {
		t.Errorf("forwarded with %d clients waiting = %d, want %d", clients, got, limit)
	}
	for _, c := range conns {
		c.Close() // the forwarder passes the end on, and closes its side
	}
	deadline := time.Now().Add(10 * time.Second)
	for dialled.Load() < clients && time.Now().Before(deadline) {
		mu.Lock()
		for _, b := range inside {
			b.Close() // the service ends its side too
		}
		mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	if got := dialled.Load(); got != clients || peak.Load() > limit {
		t.Errorf("forwarded = %d in all, at most %d at once; want %d, at most %d", got, peak.Load(), clients, limit)
	}
}

// A client that keeps its connection open but reads nothing more is cut
// off within the grace once the service has closed its side (an idle
// client the service let go), and clients that left leave no file
// descriptor behind, pipes included.
func TestForwardLetsGoOfIdleClients(t *testing.T) {
	const clients, grace = 50, 300 * time.Millisecond
	ln := listen(t)
	service := listen(t)
	go func() {
		for {
			c, err := service.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "bye")
			c.Close() // as the service does with a connection idle too long
		}
	}()
	defer service.Close()
	before := openFds(t)
	f := forward(ln, maxForwarded, grace, dialTo(service.Addr().String()))
	defer f.Close()
	conns := dial(t, ln, clients)
	start := time.Now()
	for _, c := range conns {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadAll(c); err != nil {
			t.Fatalf("reading from an idle client's connection: %v, want the forwarder to end it", err)
		}
	}
	if took := time.Since(start); took > 5*grace {
		t.Errorf("idle clients cut off after %v, want within about %v", took, grace)
	}
	for _, c := range conns {
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	got := openFds(t)
	for got > before+clients/10 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		got = openFds(t)
	}
	if got > before+clients/10 {
		t.Errorf("open file descriptors after %d clients left = %d, want about %d as before", clients, got, before)
	}
}

// openFds counts this process's open file descriptors.
func openFds(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}
