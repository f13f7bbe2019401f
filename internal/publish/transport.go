package publish

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/ratelimit"
)

// Transport is the HTTP transport push uses: a timeout on every request,
// plain HTTP only to this machine or to hosts named in insecure, and a
// registry's Retry-After heeded before the retry. TLS trusts the system's
// roots, which SSL_CERT_FILE and SSL_CERT_DIR extend.
func Transport(insecure []string) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	t.ExpectContinueTimeout = 5 * time.Second
	allowed := map[string]bool{}
	for _, h := range insecure {
		if h = strings.TrimSpace(h); h != "" {
			allowed[h] = true
		}
	}
	return &guard{inner: t, insecure: allowed, maxWait: 30 * time.Second}
}

type guard struct {
	inner    http.RoundTripper
	insecure map[string]bool
	maxWait  time.Duration
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !loopback(req.URL.Host) && !g.insecure[req.URL.Host] {
		return nil, &httpRefusal{fmt.Sprintf("refusing plain HTTP to %s: name it in INSECURE_REGISTRY to allow that", req.URL.Host)}
	}
	resp, err := g.inner.RoundTrip(req)
	if err != nil && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		// The same on every try; say how to allow it.
		return nil, &httpRefusal{fmt.Sprintf("%s speaks plain HTTP, not HTTPS: name it in INSECURE_REGISTRY to allow that", req.URL.Host)}
	}
	if err != nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return resp, err
	}
	// The retry that follows would come too soon for a registry that said
	// when to come back: wait here, as long as it asked (within reason).
	if d := ratelimit.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
		select {
		case <-time.After(min(d, g.maxWait)):
		case <-req.Context().Done():
		}
	}
	return resp, nil
}

// loopback says whether host:port is this machine.
func loopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
