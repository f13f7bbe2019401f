package container

import (
	"context"
	"io"
	"net"
	"sync"
	"time"
)

// forwarder accepts connections on a listener of the host's and joins each
// to one that dial makes, copying both ways until both sides are done. It
// is how a container in its own network namespace is published on
// 127.0.0.1:PORT without veth pairs, bridges or iptables rules.
type forwarder struct {
	ln   net.Listener
	dial func(context.Context) (net.Conn, error)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
}

// dialTimeout bounds one dial into the container: while the service starts
// nothing listens yet and the dial fails at once; it never should hang.
const dialTimeout = 5 * time.Second

// forward serves ln until Close.
func forward(ln net.Listener, dial func(context.Context) (net.Conn, error)) *forwarder {
	f := &forwarder{ln: ln, dial: dial, conns: map[net.Conn]struct{}{}}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.wg.Go(f.serve)
	return f
}

func (f *forwarder) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return // closed; Accept on loopback fails for nothing else
		}
		if !f.track(c) {
			c.Close()
			return
		}
		f.wg.Go(func() { f.join(c) })
	}
}

// join copies between the host's connection c and a new one in the
// container. A failed dial (the service is not listening yet) closes c:
// the client sees the connection end, as it would on a closed port.
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
	done := make(chan struct{})
	go func() { pipe(in, c); close(done) }()
	pipe(c, in)
	<-done
}

// pipe copies src to dst, then passes the end of src on to dst.
func pipe(dst, src net.Conn) {
	io.Copy(dst, src)
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
