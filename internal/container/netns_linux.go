package container

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// netns is a network namespace, held open so that it is the same one for
// as long as it is used, whatever happens to the process it came from.
type netns struct{ f *os.File }

// openNetns opens the network namespace of process pid. It refuses this
// one's (any thread of it but one dialling in a container is there): a container that shares it (or a pid that has since gone
// to a process of the host) must not be published as if it were confined.
func openNetns(pid int) (*netns, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return nil, fmt.Errorf("opening the network namespace of process %d: %w", pid, err)
	}
	var theirs, ours unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &theirs); err != nil {
		f.Close()
		return nil, fmt.Errorf("opening the network namespace of process %d: %w", pid, err)
	}
	if err := unix.Stat("/proc/thread-self/ns/net", &ours); err != nil || theirs.Dev == ours.Dev && theirs.Ino == ours.Ino {
		f.Close()
		return nil, fmt.Errorf("process %d is in this machine's network namespace, not one of its own", pid)
	}
	return &netns{f}, nil
}

func (n *netns) Close() error { return n.f.Close() }

// dial connects to addr over TCP from inside the namespace. A socket
// belongs to the namespace of the thread that creates it, so the dial runs
// on an OS thread locked for it, which enters the namespace, dials and goes
// back. Should going back fail, the thread stays locked and Go retires it
// with its goroutine: no other goroutine ever runs in the container's
// namespace.
func (n *netns) dial(ctx context.Context, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("opening this thread's network namespace: %w", err)}
			return
		}
		defer home.Close()
		if err := unix.Setns(int(n.f.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("entering the container's network namespace: %w", err)}
			return
		}
		// One literal address: the dial makes its socket on this goroutine.
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp4", addr)
		if unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}
