// Package registryhttp is how the pipeline talks to registries, for the
// base pull, push, sizecompare and verify alike: one Client, made from the
// Config settings reads, gives the remote options every call takes.
//
//   - HTTPS to every registry but this machine's and the hosts named in
//     INSECURE_REGISTRY (rule, below), with bounded waits.
//   - No credential in what leaves: the credentials sent are scrubbed from
//     error answers, errors and logs (Redactor).
//   - Credentials from REGISTRY_USERNAME and REGISTRY_PASSWORD for IMAGE's
//     registry only, else docker's keychain (Config.Keychain).
//   - One retry: go-containerregistry's, per request (DefaultBackoff), and
//     one Retry-After policy over it (retry.go), which a step that
//     spends a pull quota makes sparing (Client.SparingPulls).
//
// go-containerregistry sends plain HTTP by itself to private-range
// addresses (10/8, 172.16/12, 192.168/16) and to .local names, so
// credentials could travel unencrypted on a network the user never chose
// to trust; the rule sends those requests over HTTPS instead.
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

// newRule is the transport every registry request goes through: over
// inner (default a clone of http.DefaultTransport that gives up on a
// registry that does not answer: 10 s to connect and for the TLS
// handshake, 60 s for an answer's headers; a body that keeps flowing may
// take as long as it needs), HTTPS but to this machine (127.0.0.0/8, ::1,
// localhost) and the insecure hosts, and the credentials sent kept in
// redactor and scrubbed from error answers.
func newRule(inner http.RoundTripper, insecure []string, redactor *Redactor) http.RoundTripper {
	r := &rule{inner: inner, insecure: map[string]bool{}, redactor: redactor}
	for _, h := range insecure {
		if h = strings.TrimSpace(h); h != "" {
			r.insecure[h] = true
		}
	}
	if r.inner == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = 10 * time.Second
		t.ResponseHeaderTimeout = 60 * time.Second
		t.ExpectContinueTimeout = 5 * time.Second
		r.inner = t
	}
	return r
}

type rule struct {
	inner    http.RoundTripper
	insecure map[string]bool
	redactor *Redactor
}

func (r *rule) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !loopback(req.URL.Host) && !r.insecure[req.URL.Host] {
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

// loopback says whether host[:port] is this machine.
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

// parseReference parses ref, marking its registry as one that may be
// reached over plain HTTP when insecure names it.
func parseReference(ref string, insecure []string) (name.Reference, error) {
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
