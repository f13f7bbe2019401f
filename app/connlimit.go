package main

import (
	"container/list"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// connLimit is a listener that holds at most max connections at once, so
// that memory has a bound however many clients connect: max times what one
// connection may hold (its buffers and at most maxHeaderBytes of header).
//
// When a new connection would go over the cap, a connection that waits for
// a request header gives up its place, the oldest first: at once when it has
// sent part of a header in more than one piece (a slow client: a prompt one
// sends its header in one piece and is then in a handler, off the list),
// otherwise once it has waited headerGrace (it may not have been read yet,
// or be an idle keep-alive connection). Until one may, new clients wait in
// the kernel's accept queue in the order they came: slow clients take
// turns, and a prompt one waits for a turn, not for a slow one to finish.
//
// The server must report its connections' states to track, through
// http.Server.ConnState.
//
// x/net/netutil.LimitListener is a plain limit: a place comes free only when
// its connection closes, so a cap's worth of slow clients, each renewed
// before ReadHeaderTimeout, would keep every prompt one out.
type connLimit struct {
	net.Listener
	max int
	now func() time.Time

	mu      sync.Mutex
	live    int
	peak    int           // the most connections held at once
	waiting list.List     // of *limitedConn waiting for a header, oldest first
	wake    chan struct{} // a place may have come free
	closed  chan struct{}
	once    sync.Once
}

// headerGrace is how long a connection may wait for a request header before
// a newer connection may take its place.
const headerGrace = 250 * time.Millisecond

func newConnLimit(ln net.Listener, n int) *connLimit {
	return &connLimit{Listener: ln, max: n, now: time.Now, wake: make(chan struct{}, 1), closed: make(chan struct{})}
}

// limitedConn is a connection the limiter counts until it is closed.
//
// Its place is given back under l.mu and nothing else: a lock of its own
// (a sync.Once) taken in Close before l.mu, and in room after it,
// deadlocked Accept against a closing connection.
type limitedConn struct {
	net.Conn
	l     *connLimit
	reads atomic.Int32 // reads that returned data, from 0 to 2

	// Guarded by l.mu.
	waiting *list.Element // its place in l.waiting; nil while in a handler
	since   time.Time     // when it started waiting
	done    bool          // its place is given back: closed, or shed
}

// Accept returns the next connection once there is room for it.
func (l *connLimit) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	for {
		l.mu.Lock()
		victim, wait := l.room()
		if wait == 0 {
			lc := &limitedConn{Conn: c, l: l}
			l.live++
			l.peak = max(l.peak, l.live)
			l.startWaiting(lc)
			l.mu.Unlock()
			if victim != nil {
				victim.Conn.Close()
			}
			return lc, nil
		}
		l.mu.Unlock()
		timer := time.NewTimer(wait)
		select {
		case <-l.wake:
		case <-timer.C:
		case <-l.closed:
			timer.Stop()
			c.Close()
			return nil, net.ErrClosed
		}
		timer.Stop()
	}
}

// room makes room for one more connection: wait is 0 when there is room,
// and victim, if not nil, gave up its place for it and must be closed.
// Otherwise wait is how long until the oldest waiting connection may give
// up its place (an hour when every connection is in a handler: a close
// wakes Accept sooner). l.mu is held.
func (l *connLimit) room() (victim *limitedConn, wait time.Duration) {
	if l.live < l.max {
		return nil, 0
	}
	front := l.waiting.Front()
	if front == nil {
		return nil, time.Hour
	}
	wait = front.Value.(*limitedConn).since.Add(headerGrace).Sub(l.now())
	for e := front; e != nil; e = e.Next() {
		if c := e.Value.(*limitedConn); e == front && wait <= 0 || c.reads.Load() >= 2 {
			l.release(c)
			return c, 0
		}
	}
	return nil, wait
}

// Read counts reads that return data, up to 2: a prompt client's header
// comes in one, a slow client's in many.
func (c *limitedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.reads.Load() < 2 {
		c.reads.Add(1)
	}
	return n, err
}

// Close stops accepting; connections already accepted stay open.
func (l *connLimit) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// track is the server's ConnState hook: a connection waits for a header
// when it is new or idle, and is busy while a handler has it.
func (l *connLimit) track(c net.Conn, state http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch state {
	case http.StateIdle:
		l.stopWaiting(lc)
		l.startWaiting(lc)
		l.signal()
	case http.StateActive, http.StateHijacked:
		l.stopWaiting(lc)
	}
}

// startWaiting puts c at the end of the waiting list; l.mu is held.
func (l *connLimit) startWaiting(c *limitedConn) {
	if !c.done {
		c.since = l.now()
		c.waiting = l.waiting.PushBack(c)
	}
}

// stopWaiting takes c off the waiting list; l.mu is held.
func (l *connLimit) stopWaiting(c *limitedConn) {
	if c.waiting != nil {
		l.waiting.Remove(c.waiting)
		c.waiting = nil
	}
}

// Close closes the connection and gives its place back, once.
func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	if !c.done {
		c.l.release(c)
		c.l.signal()
	}
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// release gives c's place back; l.mu is held and c.done is false.
func (l *connLimit) release(c *limitedConn) {
	l.stopWaiting(c)
	c.done = true
	l.live--
}

// signal wakes a waiting Accept, if any.
func (l *connLimit) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}
