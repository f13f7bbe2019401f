package dev

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// proxy serves every request on dev's port from the current backend. A
// swap sends new requests to the new backend at once; the old one's
// in-flight requests finish on the old one, which is stopped only after
// (drain), so a client never meets a closed port.
type proxy struct {
	mu  sync.RWMutex
	cur *backend
	// why is what a request is told while there is no backend.
	why  string
	logs io.Writer
}

// backend is one version of the service behind the proxy.
type backend struct {
	rp        *httputil.ReverseProxy
	transport *http.Transport
	inflight  sync.WaitGroup
	inst      Instance
	bin       string
	sum       string
}

func newBackend(port int, inst Instance, bin, sum string, logs io.Writer) *backend {
	target := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", fmt.Sprint(port))}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // never a proxy from the environment: this is loopback
	// One per client the proxy serves at once, not a new dial per request;
	// the one host is all of them (the default keeps 100 in all).
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
	b := &backend{transport: t, inst: inst, bin: bin, sum: sum}
	b.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the service sees the Host the client sent
		},
		Transport: t,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, r.Context().Err()) {
				return // the client went away
			}
			fmt.Fprintf(logs, "dev: %s %s: the service did not answer: %v\n", r.Method, r.URL.Path, err)
			http.Error(w, "dev: the service did not answer: "+err.Error(), http.StatusBadGateway)
		},
	}
	return b
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.RLock()
	b, why := p.cur, p.why
	if b != nil {
		// Under the read lock: once swap holds the write lock, no request
		// can join the old backend, so drain's Wait sees every one.
		b.inflight.Add(1)
	}
	p.mu.RUnlock()
	if b == nil {
		http.Error(w, "dev: "+why, http.StatusServiceUnavailable)
		return
	}
	defer b.inflight.Done()
	b.rp.ServeHTTP(w, r)
}

// swap makes b the backend and returns the one it replaces, or nil.
func (p *proxy) swap(b *backend) *backend {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.cur
	p.cur = b
	return old
}

// current is the backend now serving, or nil.
func (p *proxy) current() *backend {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.cur
}

// unavailable takes b out, if it is still the backend, and says why to
// the requests that come meanwhile.
func (p *proxy) unavailable(b *backend, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == b {
		p.cur = nil
	}
	p.why = why
}

// drain waits, at most timeout, for the requests b is serving to finish,
// then closes its idle connections. It reports whether all finished.
func (b *backend) drain(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() {
		b.inflight.Wait()
		close(done)
	}()
	defer b.transport.CloseIdleConnections()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}
