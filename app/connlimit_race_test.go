package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var closeRaceFor = flag.Duration("connlimit.race", 2*time.Second, "how long TestConnLimitCloseRacesAccept races a slow connection's Close against the next Accept")

// raceFor is -connlimit.race, cut to a quarter of a second under -short:
// the inner loop's tier tries the races, the whole suite dwells on them.
func raceFor() time.Duration {
	if testing.Short() {
		return min(*closeRaceFor, 250*time.Millisecond)
	}
	return *closeRaceFor
}

// A slow connection's Close and the Accept that gives its place away may
// run at once: neither may wait on the other for ever, and the place is
// given back exactly once. The interleaving that deadlocked came about once
// in about 14,000 tries; the test races them for -connlimit.race (2s by
// default; run it for minutes, with -count, to be sure of a change).
func TestConnLimitCloseRacesAccept(t *testing.T) {
	workers := max(2, runtime.GOMAXPROCS(0))
	deadline := time.Now().Add(raceFor())
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	tries := make(chan int, workers)
	for range workers {
		wg.Go(func() {
			n, err := raceCloseAccept(deadline)
			tries <- n
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	close(tries)
	for err := range errs {
		t.Error(err)
	}
	total := 0
	for n := range tries {
		total += n
	}
	t.Logf("%d races of Close against Accept in %v", total, raceFor())
}

// raceCloseAccept races, until deadline, the Close of the only connection
// of a limit of 1, a slow one, against the Accept that would shed it. It
// returns how many races it ran, and an error if one stuck.
func raceCloseAccept(deadline time.Time) (int, error) {
	ln := &chanListener{conns: make(chan net.Conn, 1)}
	l := newConnLimit(ln, 1)
	const stuck = 2 * time.Second
	n := 0
	for ; time.Now().Before(deadline); n++ {
		ln.conns <- nopConn{}
		first, err := l.Accept()
		if err != nil {
			return n, err
		}
		first.(*limitedConn).reads.Store(2) // its header came in pieces: a slow client
		ln.conns <- nopConn{}

		start := make(chan struct{})
		closed, accepted := make(chan struct{}), make(chan net.Conn, 1)
		go func() { <-start; first.Close(); close(closed) }()
		go func() {
			<-start
			c, _ := l.Accept()
			accepted <- c
		}()
		close(start)
		timer := time.NewTimer(stuck)
		var next net.Conn
		for closed != nil || next == nil {
			select {
			case <-closed:
				closed = nil
			case next = <-accepted:
			case <-timer.C:
				return n, fmt.Errorf("race %d: Close of a slow connection and the next Accept still blocked after %v: deadlock", n, stuck)
			}
		}
		timer.Stop()
		next.Close()
		l.mu.Lock()
		live, waiting := l.live, l.waiting.Len()
		l.mu.Unlock()
		if live != 0 || waiting != 0 {
			return n, fmt.Errorf("race %d: after both connections closed: %d live, %d waiting; want 0, 0", n, live, waiting)
		}
	}
	return n, nil
}

// chanListener accepts the connections sent on conns.
type chanListener struct {
	net.Listener
	conns chan net.Conn
}

func (l *chanListener) Accept() (net.Conn, error) { return <-l.conns, nil }

// nopConn is a connection with nothing behind it.
type nopConn struct{ net.Conn }

func (nopConn) Close() error { return nil }

// Hostile clients against the real server, for -connlimit.race: some
// connect and close at once, some reset, some trickle half a header and
// leave, some make a request and idle on keep-alive. /health answers a
// prompt client all along, the server never holds more than the cap, and
// once they have gone it holds nothing.
func TestConnLimitHostileClients(t *testing.T) {
	const limit, attackers = 8, 6
	l := serveLimited(t, limit)
	addr := l.Addr().String()

	stop := time.Now().Add(raceFor())
	var wg sync.WaitGroup
	var attacks atomic.Int64
	for i := range attackers {
		wg.Go(func() {
			for n := i; time.Now().Before(stop); n += attackers {
				attack(addr, n%4)
				attacks.Add(1)
			}
		})
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	probes := 0
	for ; time.Now().Before(stop); probes++ {
		res, err := client.Get("http://" + addr + "/health")
		if err != nil {
			t.Fatalf("GET /health #%d among hostile clients: %v", probes, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /health #%d among hostile clients = %d, want 200", probes, res.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		live, peak := l.live, l.peak
		l.mu.Unlock()
		if peak > limit {
			t.Fatalf("connections held at once = %d, want at most %d", peak, limit)
		}
		if live == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still counted 5s after every client left, want 0", live)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%d hostile connections, %d probes answered", attacks.Load(), probes)
}

// attack is one hostile client of kind 0 to 3.
func attack(addr string, kind int) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer c.Close()
	switch kind {
	case 0: // connect and leave
	case 1: // leave with a reset
		c.(*net.TCPConn).SetLinger(0)
	case 2: // half a header, in pieces, then leave
		io.WriteString(c, "GET / HTTP/1.1\r\n")
		time.Sleep(time.Millisecond)
		io.WriteString(c, "Host: x\r\n")
		time.Sleep(5 * time.Millisecond)
	case 3: // a request, then idle on keep-alive
		io.WriteString(c, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if res, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
}
