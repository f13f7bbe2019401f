package container

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// netns is a network namespace, held open so that it is the same one for
// as long as it is used, whatever happens to the process it came from.
//
// A socket belongs to the namespace of the thread that creates it, and
// only creating it needs that thread: one OS thread, locked in the
// namespace for the netns's life, makes every socket, and the dials
// connect them from any goroutine through the runtime's poller. However
// many connections a flood asks for, the namespace costs one thread; a
// thread per dial, pinned while the container's queue is full, once took
// the process to Go's 10,000-thread limit and killed it.
type netns struct {
	f       *os.File
	sockets chan chan<- socket // to the thread in the namespace
	done    chan struct{}
	once    sync.Once
}

type socket struct {
	fd  int
	err error
}

// openNetns opens the network namespace of process pid. It refuses this
// one's: a container that shares it (or a pid that has since gone to a
// process of the host) must not be published as if it were confined.
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
	// No goroutine but the namespace's own thread's ever runs there, so
	// this one is at home.
	if err := unix.Stat("/proc/thread-self/ns/net", &ours); err != nil || theirs.Dev == ours.Dev && theirs.Ino == ours.Ino {
		f.Close()
		return nil, fmt.Errorf("process %d is in this machine's network namespace, not one of its own", pid)
	}
	n := &netns{f: f, sockets: make(chan chan<- socket), done: make(chan struct{})}
	entered := make(chan error, 1)
	onDisposableThread(func() { n.inside(entered) })
	if err := <-entered; err != nil {
		f.Close()
		return nil, fmt.Errorf("entering the network namespace of process %d: %w", pid, err)
	}
	return n, nil
}

// inside moves its thread into the namespace and makes sockets there
// until Close. It runs on a disposable thread, so no other goroutine ever
// runs in the container's namespace.
func (n *netns) inside(entered chan<- error) {
	if err := unix.Setns(int(n.f.Fd()), unix.CLONE_NEWNET); err != nil {
		entered <- err
		return
	}
	entered <- nil
	for {
		select {
		case reply := <-n.sockets:
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			reply <- socket{fd, err}
		case <-n.done:
			return
		}
	}
}

// onDisposableThread runs f on a goroutine locked to an OS thread that is
// never unlocked, so that Go retires the thread when f returns, in
// whatever namespace f left it. Never the main thread: Go cannot retire
// that one and would keep it, and /proc/PID/ns/net shows the main
// thread's namespace. Should the goroutine land there, it holds it until
// another goroutine, which then cannot land there, has locked a thread.
func onDisposableThread(f func()) {
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() != unix.Getpid() {
			f()
			return
		}
		locked := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(locked)
			f()
		}()
		<-locked
		runtime.UnlockOSThread()
	}()
}

// Close ends the namespace's thread and lets go of the namespace.
func (n *netns) Close() error {
	n.once.Do(func() { close(n.done) })
	return n.f.Close()
}

// errNetnsClosed says the container stopped being published.
var errNetnsClosed = errors.New("the container's network namespace is closed")

// dial connects to addr, an IPv4 address and port, over TCP from inside
// the namespace.
func (n *netns) dial(ctx context.Context, addr string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Is4() {
		return nil, fmt.Errorf("dialling %q in the container: want an IPv4 address and port", addr)
	}
	reply := make(chan socket, 1)
	select {
	case n.sockets <- reply:
	case <-n.done:
		return nil, errNetnsClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s := <-reply
	if s.err != nil {
		return nil, fmt.Errorf("making a socket in the container's network namespace: %w", s.err)
	}
	// Non-blocking, so the runtime's poller waits on it, not a thread.
	f := os.NewFile(uintptr(s.fd), "tcp "+addr)
	defer f.Close()
	if err := connect(ctx, f, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return nil, fmt.Errorf("dialling %s in the container: %w", addr, err)
	}
	return net.FileConn(f)
}
