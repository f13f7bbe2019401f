package container

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/net/netutil"
)

// forwarder accepts connections on a listener of the host's and joins each
// to one that dial makes, copying both ways until both sides are done. It
// is how a container in its own network namespace is published on
// 127.0.0.1:PORT without veth pairs, bridges or iptables rules.
type forwarder struct {
	ln    net.Listener
	dial  func(context.Context) (net.Conn, error)
	grace time.Duration // halfCloseGrace but in tests

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
}

const (
	// dialTimeout bounds one dial into the container: while the service
	// starts nothing listens yet and the dial fails at once; it never
	// should hang.
	dialTimeout = 5 * time.Second
	// maxForwarded caps the connections forwarded at once, as the service
	// caps its own: each costs two sockets here, and beyond it clients
	// wait in the listener's queue rather than take this process's file
	// descriptors.
	maxForwarded = 1024
	// halfCloseGrace is how long one direction may go on after the other
	// ended: a client that sent its request and shut its side still gets
	// the answer, and one that left, or an idle one the service dropped,
	// holds nothing for longer.
	halfCloseGrace = 10 * time.Second
	// copyBuffer is the size of each direction's buffer. A plain copy, not
	// splice(2): splice borrows a pipe for each waiting direction and Go
	// keeps spare pipes until the garbage collector runs, which an idle
	// process does not do for minutes.
	copyBuffer = 16 << 10
)

// forward serves ln until Close, at most limit connections at once
// (maxForwarded but in tests), each given grace (halfCloseGrace) to end
// once one side has ended.
func forward(ln net.Listener, limit int, grace time.Duration, dial func(context.Context) (net.Conn, error)) *forwarder {
	f := &forwarder{ln: netutil.LimitListener(ln, limit), dial: dial, grace: grace, conns: map[net.Conn]struct{}{}}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.wg.Go(f.serve)
	return f
}

// serve accepts until the listener is closed. Every other Accept error is
// a shortage that passes (EMFILE, ENFILE, ENOBUFS, ECONNABORTED): it backs
// off and tries again as net/http's Server.Serve does, 5 ms doubling to
// 1 s, since a forwarder that gave up would leave run serving nothing.
func (f *forwarder) serve() {
	var delay time.Duration
	for {
		c, err := f.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			select {
			case <-f.ctx.Done():
				return
			case <-time.After(delay):
			}
			continue
		}
		delay = 0
		if !f.track(c) {
			c.Close()
			return
		}
		f.wg.Go(func() { f.join(c) })
	}
}

// join copies between the host's connection c and a new one in the
// container. A failed dial (the service is not listening yet) closes c:
// the client sees the connection end, as it would on a closed port. Once
// one direction ends, its end is passed on and the other direction gets
// f.grace to finish; then both are closed.
func (f *forwarder) join(c net.Conn) {
	defer f.untrack(c)
	ctx, cancel := context.WithTimeout(f.ctx, dialTimeout)
	in, err := f.dial(ctx)
	cancel()
	if err != nil {
		return
	}
	if !f.track(in) {
		in.Close()
		return
	}
	defer f.untrack(in)
	done := make(chan struct{}, 2)
	go func() { pipe(in, c); done <- struct{}{} }()
	go func() { pipe(c, in); done <- struct{}{} }()
	<-done
	deadline := time.Now().Add(f.grace)
	c.SetDeadline(deadline)
	in.SetDeadline(deadline)
	<-done
}

var buffers = sync.Pool{New: func() any { return new([copyBuffer]byte) }}

// pipe copies src to dst, then passes the end of src on to dst.
func pipe(dst, src net.Conn) {
	buf := buffers.Get().(*[copyBuffer]byte)
	// The wrappers hide ReadFrom and WriteTo, which would splice.
	io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, buf[:])
	buffers.Put(buf)
	if hc, ok := dst.(interface{ CloseWrite() error }); ok {
		hc.CloseWrite()
	} else {
		dst.Close()
	}
}

// track records c so that Close can cut it; false once closed.
func (f *forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conns == nil {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *forwarder) untrack(c net.Conn) {
	c.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.conns, c)
}

// Close stops accepting, cuts every connection and waits for the copies.
func (f *forwarder) Close() error {
	err := f.ln.Close()
	f.cancel()
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.conns = nil
	f.mu.Unlock()
	f.wg.Wait()
	return err
}
