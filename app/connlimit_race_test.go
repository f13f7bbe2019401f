package main

import (
	"flag"
	"fmt"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

var closeRaceFor = flag.Duration("connlimit.race", 2*time.Second, "how long TestConnLimitCloseRacesAccept races a slow connection's Close against the next Accept")

// A slow connection's Close and the Accept that gives its place away may
// run at once: neither may wait on the other for ever, and the place is
// given back exactly once. The interleaving that deadlocked came about once
// in about 14,000 tries; the test races them for -connlimit.race (2s by
// default; run it for minutes, with -count, to be sure of a change).
func TestConnLimitCloseRacesAccept(t *testing.T) {
	workers := max(2, runtime.GOMAXPROCS(0))
	deadline := time.Now().Add(*closeRaceFor)
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
	t.Logf("%d races of Close against Accept in %v", total, *closeRaceFor)
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
