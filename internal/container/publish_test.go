package container

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// upper is a TCP service on 127.0.0.1 that answers what it reads in upper
// case once the client has finished sending, then closes.
func upper(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, _ := io.ReadAll(c)
				for i, x := range b {
					if 'a' <= x && x <= 'z' {
						b[i] = x - 'a' + 'A'
					}
				}
				c.Write(b)
			}()
		}
	}()
	return ln.Addr().String()
}

// dialTo is forward's dial for a service at addr.
func dialTo(addr string) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) { return (&net.Dialer{}).DialContext(ctx, "tcp", addr) }
}

// dial connects n clients to ln; they are closed when the test ends.
func dial(t *testing.T, ln net.Listener, n int) []net.Conn {
	t.Helper()
	var conns []net.Conn
	for range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns = append(conns, c)
	}
	return conns
}

// ask sends msg on c, ends c's sending side and reads the answer.
func ask(c net.Conn, msg string) (string, error) {
	io.WriteString(c, msg)
	c.(*net.TCPConn).CloseWrite()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	return string(got), err
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// Bytes go both ways, and the end of the client's request reaches the
// service (which answers only then).
func TestForwardCopiesBothWays(t *testing.T) {
	target := upper(t)
	ln := listen(t)
	f := forward(ln, maxForwarded, halfCloseGrace, dialTo(target))
	defer f.Close()
	if got, err := ask(dial(t, ln, 1)[0], "hello, container"); got != "HELLO, CONTAINER" || err != nil {
		t.Errorf("forwarded answer = %q, %v; want %q", got, err, "HELLO, CONTAINER")
	}
}

// A dial that fails (the service is not up yet) ends the client's
// connection at once, as a closed port would.
func TestForwardDialFailureEndsConnection(t *testing.T) {
	ln := listen(t)
	f := forward(ln, maxForwarded, halfCloseGrace, func(context.Context) (net.Conn, error) { return nil, errors.New("not yet") })
	defer f.Close()
	c := dial(t, ln, 1)[0]
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read() after a failed dial = %d, %v; want the connection ended", n, err)
	}
}

// Close stops accepting, cuts connections in flight and returns only when
// every copy has stopped.
func TestForwardCloseCutsConnections(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	inside, outside := net.Pipe()
	defer outside.Close()
	f := forward(ln, maxForwarded, halfCloseGrace, func(context.Context) (net.Conn, error) { return inside, nil })
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "x")
	if _, err := io.ReadFull(outside, make([]byte, 1)); err != nil {
		t.Fatalf("the service side got nothing: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("client Read() after Close = %v, want the connection cut", err)
	}
	if _, err := outside.Write([]byte("y")); err == nil {
		t.Errorf("service side Write() after Close = nil, want the connection cut")
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("Dial(%s) after Close succeeded, want refused", addr)
	}
}
