package dev

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Each client of the proxy, kept alive, has a connection to the service
// kept alive too, up to 256 clients at once: not a new dial per request,
// which under a flood leaves tens of thousands of sockets in TIME_WAIT.
// Two waves of requests, all of a wave held at the service until every
// one has arrived, so that each needs a connection of its own: the second
// wave dials none (the transport's default kept 100 in all, and dialled
// again for the rest).
func TestProxyKeepsConnectionsToTheService(t *testing.T) {
	for _, clients := range []int{10, 200} {
		t.Run(fmt.Sprint(clients), func(t *testing.T) {
			var dials atomic.Int64
			var mu sync.Mutex
			var wave *barrier
			service := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				b := wave
				mu.Unlock()
				b.wait()
				io.WriteString(w, "ok")
			}))
			service.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					dials.Add(1)
				}
			}
			service.Start()
			defer service.Close()
			b := newBackend(service.Listener.Addr().(*net.TCPAddr).Port, nil, "", "", io.Discard)
			defer b.transport.CloseIdleConnections()
			front := httptest.NewServer(&proxy{cur: b})
			defer front.Close()
			cs := make([]*http.Client, clients)
			for i := range cs {
				cs[i] = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
				defer cs[i].CloseIdleConnections()
			}
			for n := range 2 {
				mu.Lock()
				wave = newBarrier(clients)
				mu.Unlock()
				var wg sync.WaitGroup
				var failed atomic.Int64
				for _, c := range cs {
					wg.Go(func() {
						if _, err := getWith(c, front.URL); err != nil {
							failed.Add(1)
						}
					})
				}
				wg.Wait()
				if failed.Load() > 0 {
					t.Fatalf("wave %d: %d of %d requests failed", n+1, failed.Load(), clients)
				}
			}
			if got := dials.Load(); got != int64(clients) {
				t.Errorf("%d clients, two waves of one request each: %d connections to the service, want %d", clients, got, clients)
			}
		})
	}
}

// barrier holds each wait until n have come, or 10 s have passed.
type barrier struct {
	in      sync.WaitGroup
	release chan struct{}
}

func newBarrier(n int) *barrier {
	b := &barrier{release: make(chan struct{})}
	b.in.Add(n)
	go func() {
		defer close(b.release)
		done := make(chan struct{})
		go func() { b.in.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
	}()
	return b
}

func (b *barrier) wait() {
	b.in.Done()
	<-b.release
}
