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
	f := forward(ln, maxForwarded, halfCloseGrace, func(ctx context.Context) (net.Conn, error) { return (&net.Dialer{}).DialContext(ctx, "tcp", target) })
	defer f.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "hello, container")
	c.(*net.TCPConn).CloseWrite()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if string(got) != "HELLO, CONTAINER" || err != nil {
		t.Errorf("forwarded answer = %q, %v; want %q", got, err, "HELLO, CONTAINER")
	}
}

// A dial that fails (the service is not up yet) ends the client's
// connection at once, as a closed port would.
func TestForwardDialFailureEndsConnection(t *testing.T) {
	ln := listen(t)
	f := forward(ln, maxForwarded, halfCloseGrace, func(context.Context) (net.Conn, error) { return nil, errors.New("not yet") })
	defer f.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
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
