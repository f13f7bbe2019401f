// Package registryhttp is how the pipeline talks HTTP to registries, for
// push, the base pull and sizecompare alike: HTTPS to every registry but
// this machine's and the hosts named in INSECURE_REGISTRY, bounded waits,
// and no credential in what a registry answers.
//
// go-containerregistry sends plain HTTP by itself to private-range
// addresses (10/8, 172.16/12, 192.168/16) and to .local names, so
// credentials could travel unencrypted on a network the user never chose
// to trust; Transport sends those requests over HTTPS instead.
package registryhttp

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// maxErrorBody is as much of an error answer as is read (and scrubbed);
// a registry's error is a few hundred bytes of JSON.
const maxErrorBody = 1 << 20

type options struct {
	inner    http.RoundTripper
	insecure map[string]bool
	redactor *Redactor
}

// Option changes what Transport does.
type Option func(*options)

// WithInner sets the transport that sends the requests. Default a clone
// of http.DefaultTransport that gives up on a registry that does not
// answer: 10 s to connect and for the TLS handshake, 60 s for an answer's
// headers (a body that keeps flowing may take as long as it needs).
func WithInner(rt http.RoundTripper) Option { return func(o *options) { o.inner = rt } }

// WithInsecure names the registries (host:port as in IMAGE, such as
// INSECURE_REGISTRY lists them) that may be reached over plain HTTP.
// Default none: only this machine's (127.0.0.0/8, ::1, localhost) may.
func WithInsecure(hosts ...string) Option {
	return func(o *options) {
		for _, h := range hosts {
			if h = strings.TrimSpace(h); h != "" {
				o.insecure[h] = true
			}
		}
	}
}

// WithRedactor sets where the credentials the transport sends are kept,
// to be scrubbed from error answers and, by its user, from errors.
// Default one of the transport's own.
func WithRedactor(r *Redactor) Option { return func(o *options) { o.redactor = r } }

// Transport is the transport every registry request goes through.
func Transport(opts ...Option) http.RoundTripper {
	o := options{insecure: map[string]bool{}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.inner == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = 10 * time.Second
		t.ResponseHeaderTimeout = 60 * time.Second
		t.ExpectContinueTimeout = 5 * time.Second
		o.inner = t
	}
	if o.redactor == nil {
		o.redactor = NewRedactor()
	}
	return &rule{options: o}
}

type rule struct{ options }

func (r *rule) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !Loopback(req.URL.Host) && !r.insecure[req.URL.Host] {
		req = req.Clone(req.Context())
		req.URL.Scheme = "https"
	}
	r.redactor.AddAuthorization(req.Header.Get("Authorization"))
	resp, err := r.inner.RoundTrip(req)
	if err != nil {
		if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
			// The same on every try; say how to allow it.
			return nil, &RefusalError{fmt.Sprintf("%s speaks plain HTTP, not HTTPS: name it in INSECURE_REGISTRY to allow that", req.URL.Host)}
		}
		return nil, r.redactor.Error(err)
	}
	if resp.StatusCode >= http.StatusBadRequest && resp.Body != nil {
		// A registry may echo what it was sent in its error, which
		// go-containerregistry puts in the error it returns.
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader([]byte(r.redactor.String(string(body)))))
		resp.ContentLength = -1
		resp.Header.Del("Content-Length")
	}
	return resp, nil
}

// RefusalError is a request that no retry can mend.
type RefusalError struct{ Msg string }

func (e *RefusalError) Error() string { return e.Msg }

// Loopback says whether host[:port] is this machine.
func Loopback(hostport string) bool {
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

// ParseReference parses ref, marking its registry as one that may be
// reached over plain HTTP when insecure names it.
func ParseReference(ref string, insecure []string) (name.Reference, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	for _, h := range insecure {
		if strings.TrimSpace(h) == r.Context().RegistryStr() {
			return name.ParseReference(ref, name.Insecure)
		}
	}
	return r, nil
}
