package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// pending is a connection in a room test: how long it has waited for a
// header, and how many reads brought it data.
type pending struct {
	waited time.Duration
	reads  int32
}

func TestConnLimitRoom(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name      string
		busy      int // connections in a handler
		waiting   []pending
		victim    int // index into waiting; -1 for none
		wantWait  time.Duration
		wantAfter int // live connections afterwards
	}{
		{"under the cap", 0, []pending{{time.Hour, 5}}, -1, 0, 1},
		{"the oldest has waited its grace", 0, []pending{{headerGrace, 1}, {0, 0}}, 0, 0, 1},
		{"a slow client before an unread one", 0, []pending{{10 * time.Millisecond, 1}, {5 * time.Millisecond, 2}}, 1, 0, 1},
		{"all just arrived: wait for the oldest", 0, []pending{{100 * time.Millisecond, 1}, {50 * time.Millisecond, 0}}, -1, headerGrace - 100*time.Millisecond, 2},
		{"one in a handler, one just arrived", 1, []pending{{0, 1}}, -1, headerGrace, 2},
		{"all in handlers", 2, nil, -1, time.Hour, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newConnLimit(nil, 2)
			l.now = func() time.Time { return now }
			l.live = tt.busy
			var conns []*limitedConn
			for _, p := range tt.waiting {
				c := &limitedConn{l: l}
				c.reads.Store(p.reads)
				l.live++
				l.startWaiting(c)
				c.since = now.Add(-p.waited)
				conns = append(conns, c)
			}
			victim, wait := l.room()
			var want *limitedConn
			if tt.victim >= 0 {
				want = conns[tt.victim]
			}
			if victim != want || wait != tt.wantWait || l.live != tt.wantAfter {
				t.Errorf("room() = %p, %v with %d live; want %p, %v with %d live", victim, wait, l.live, want, tt.wantWait, tt.wantAfter)
			}
		})
	}
}

// A connection in a handler is not on the waiting list; an idle one goes
// back on it, at the end, its grace starting again; Close gives its place
// back once, however often it is called.
func TestConnLimitTrack(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	l := newConnLimit(nil, 2)
	l.now = func() time.Time { return now }
	a, b := &limitedConn{l: l, Conn: pipeEnd(t)}, &limitedConn{l: l, Conn: pipeEnd(t)}
	for _, c := range []*limitedConn{a, b} {
		l.live++
		l.startWaiting(c)
	}
	now = now.Add(time.Hour)
	l.track(a, http.StateActive)
	if got := waitingList(l); len(got) != 1 || got[0] != b {
		t.Fatalf("waiting with a in a handler = %v, want [b %p]", got, b)
	}
	l.track(a, http.StateIdle)
	if got := waitingList(l); len(got) != 2 || got[0] != b || got[1] != a || !a.since.Equal(now) {
		t.Fatalf("waiting with a idle = %v, a since %v; want [b %p, a %p], a since %v", got, a.since, b, a, now)
	}
	if v, wait := l.room(); v != b || wait != 0 {
		t.Errorf("room() = %p, %v; want b (%p), which waited an hour, and 0", v, wait, b)
	}
	a.Close()
	a.Close()
	b.Close() // given up already: no second release
	if l.live != 0 || l.waiting.Len() != 0 {
		t.Errorf("after closing both: %d live, %d waiting; want 0, 0", l.live, l.waiting.Len())
	}
	l.track(a, http.StateIdle) // the server's last word on a closed connection
	if l.waiting.Len() != 0 {
		t.Errorf("a closed connection went idle: %d waiting, want 0", l.waiting.Len())
	}
}

func waitingList(l *connLimit) []*limitedConn {
	var out []*limitedConn
	for e := l.waiting.Front(); e != nil; e = e.Next() {
		out = append(out, e.Value.(*limitedConn))
	}
	return out
}

func pipeEnd(t *testing.T) net.Conn {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return a
}

// When every connection is in a handler, Accept waits for one to close;
// Close stops the wait.
func TestConnLimitAcceptWaits(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newConnLimit(ln, 1)
	defer l.Close()
	dial := func() {
		t.Helper()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	type result struct {
		c   net.Conn
		err error
	}
	accept := func() chan result {
		ch := make(chan result, 1)
		go func() { c, err := l.Accept(); ch <- result{c, err} }()
		return ch
	}
	dial()
	first := <-accept()
	if first.err != nil {
		t.Fatal(first.err)
	}
	l.track(first.c, http.StateActive)
	dial()
	next := accept()
	select {
	case r := <-next:
		t.Fatalf("Accept() with the only place in a handler = %v, %v; want it to wait", r.c, r.err)
	case <-time.After(100 * time.Millisecond):
	}
	first.c.Close()
	r := <-next
	if r.err != nil {
		t.Fatalf("Accept() after the busy connection closed = %v", r.err)
	}
	l.track(r.c, http.StateActive)
	dial()
	last := accept()
	time.Sleep(10 * time.Millisecond)
	l.Close()
	if r := <-last; !errors.Is(r.err, net.ErrClosed) {
		t.Errorf("Accept() waiting when the listener closed = %v, %v; want net.ErrClosed", r.c, r.err)
	}
}

// Slow clients cannot crowd out a prompt one: with three times the cap of
// them trickling unfinished headers, the server holds no more than the cap,
// gives the slow ones' places to newer ones, and answers /health each time.
func TestSlowClientsCannotCrowdOut(t *testing.T) {
	const limit, slow, probes = 4, 12, 5
	l := serveLimited(t, limit)
	base := "http://" + l.Addr().String()

	var closed sync.WaitGroup
	cut := make(chan int, slow)
	for i := range slow {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		closed.Go(func() {
			// Two pieces, never the blank line that ends the header; then
			// wait for the server to give up on it.
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
			time.Sleep(10 * time.Millisecond)
			io.WriteString(c, "X-Slow: a")
			if _, err := bufio.NewReader(c).ReadByte(); err != nil {
				cut <- i
			}
		})
	}
	deadline := time.After(3 * time.Second) // under readHeaderTimeout, which would cut them all
	for n := 0; n < slow-limit; n++ {
		select {
		case <-cut:
		case <-deadline:
			t.Fatalf("%d of %d slow clients cut off in 3s, want %d: the server holds them all", n, slow, slow-limit)
		}
	}

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range probes {
		res, err := client.Get(base + "/health")
		if err != nil {
			t.Fatalf("GET /health #%d beside %d slow clients: %v", i, slow, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET /health #%d beside %d slow clients = %d, want 200", i, slow, res.StatusCode)
		}
	}
	l.mu.Lock()
	peak := l.peak
	l.mu.Unlock()
	if peak > limit {
		t.Errorf("connections held at once = %d, want at most %d", peak, limit)
	}
}

// serveLimited serves the service on 127.0.0.1 behind a limiter of limit
// connections until the test ends.
func serveLimited(t *testing.T, limit int) *connLimit {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newConnLimit(ln, limit)
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- serveOn(ctx, l, newHandler(testDeps(io.Discard)), newLogger(io.Discard, false)) }()
	t.Cleanup(func() { cancel(); <-served })
	return l
}
