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
// kept alive too, up to 256 clients at once: not a new
// dial per request, which under a flood leaves tens of thousands of
// sockets in TIME_WAIT.
func TestProxyKeepsConnectionsToTheService(t *testing.T) {
	for _, clients := range []int{10, 250} {
		t.Run(fmt.Sprint(clients), func(t *testing.T) {
			var dials atomic.Int64
			service := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
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
			const each = 40
			var wg sync.WaitGroup
			var failed atomic.Int64
			for range clients {
				c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
				wg.Go(func() {
					defer c.CloseIdleConnections()
					for range each {
						if _, err := getWith(c, front.URL); err != nil {
							failed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			if failed.Load() > 0 {
				t.Errorf("%d of %d requests failed", failed.Load(), clients*each)
			}
			// Up to one more per client, for a request that came before
			// another's connection was back in the pool.
			if got, most := dials.Load(), int64(2*clients); got > most {
				t.Errorf("%d clients, %d requests each: %d connections to the service, want at most %d", clients, each, got, most)
			}
		})
	}
}
