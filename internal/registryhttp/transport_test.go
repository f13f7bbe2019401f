package registryhttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Plain HTTP reaches this machine and the insecure hosts only; every other
// request, such as go-containerregistry's to a private-range address, goes
// over HTTPS. Nothing leaves the test: the inner transport records.
func TestPlainHTTPOnlyWhereAllowed(t *testing.T) {
	tests := []struct {
		url      string
		insecure []string
		want     string
	}{
		{"http://127.0.0.1:5000/v2/", nil, "http://127.0.0.1:5000/v2/"},
		{"http://localhost:5000/v2/", nil, "http://localhost:5000/v2/"},
		{"http://[::1]:5000/v2/", nil, "http://[::1]:5000/v2/"},
		{"http://10.0.0.5:5000/v2/", nil, "https://10.0.0.5:5000/v2/"},
		{"http://192.168.1.9/v2/", nil, "https://192.168.1.9/v2/"},
		{"http://registry.local:5000/v2/", nil, "https://registry.local:5000/v2/"},
		{"http://10.0.0.5:5000/v2/", []string{" 10.0.0.5:5000", ""}, "http://10.0.0.5:5000/v2/"},
		{"http://10.0.0.5:5000/v2/", []string{"10.0.0.5:5001"}, "https://10.0.0.5:5000/v2/"},
		{"http://registry.test/token", nil, "https://registry.test/token"},
		{"https://registry.test/v2/", nil, "https://registry.test/v2/"},
	}
	for _, tt := range tests {
		var got string
		rt := newRule(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = r.URL.String()
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}}, nil
		}), tt.insecure, newRedactor())
		req, _ := http.NewRequest("GET", tt.url, nil)
		if _, err := rt.RoundTrip(req); err != nil || got != tt.want {
			t.Errorf("GET %s (insecure %q) went to %q, %v; want %q", tt.url, tt.insecure, got, err, tt.want)
		}
		if req.URL.String() != tt.url {
			t.Errorf("RoundTrip changed the caller's request to %s", req.URL)
		}
	}
}

func TestPlainHTTPAnswerIsARefusal(t *testing.T) {
	rt := newRule(roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("http: server gave HTTP response to HTTPS client")
	}), nil, newRedactor())
	req, _ := http.NewRequest("GET", "http://10.0.0.5:5000/v2/", nil)
	_, err := rt.RoundTrip(req)
	var refusal *RefusalError
	if !errors.As(err, &refusal) || !strings.Contains(err.Error(), "10.0.0.5:5000 speaks plain HTTP, not HTTPS: name it in INSECURE_REGISTRY") {
		t.Errorf("RoundTrip = %v, want a refusal naming INSECURE_REGISTRY", err)
	}
}

// An error answer is scrubbed of the credentials sent with it, and of
// those sent before; a success answer is passed on untouched.
func TestErrorAnswersAreScrubbed(t *testing.T) {
	r := newRedactor()
	rt := newRule(roundTripFunc(func(req *http.Request) (*http.Response, error) {
		status := http.StatusOK
		if strings.HasSuffix(req.URL.Path, "/fail") {
			status = http.StatusUnauthorized
		}
		h := http.Header{}
		h.Set("Content-Length", "99")
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader("you sent " + req.Header.Get("Authorization") + " and Basic dTpzM2NyZXQ="))}, nil
	}), nil, r)
	get := func(path, auth string) (string, error) {
		req, _ := http.NewRequest("GET", "https://registry.test"+path, nil)
		req.Header.Set("Authorization", auth)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	ok, err := get("/ok", "Basic dTpzM2NyZXQ=") // u:s3cret
	if err != nil || ok != "you sent Basic dTpzM2NyZXQ= and Basic dTpzM2NyZXQ=" {
		t.Errorf("a 200's body = %q, %v; want it untouched", ok, err)
	}
	failed, err := get("/fail", "Bearer tok.abc")
	if err != nil || failed != "you sent *** and ***" {
		t.Errorf("a 401's body = %q, %v; want %q", failed, err, "you sent *** and ***")
	}
	for _, leak := range []string{"s3cret", "u:s3cret", "tok.abc", "czNjcmV0"} {
		if got := r.String("x " + leak + " y"); got != "x *** y" {
			t.Errorf("Redactor.String(%q) = %q, want it replaced", leak, got)
		}
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor("p@ss/w rd", "")
	tests := []struct{ in, want string }{
		{"plain p@ss/w rd", "plain ***"},
		{"query p%40ss%2Fw+rd", "query ***"},
		{"path p@ss%2Fw%20rd", "path ***"},
		{"b64 cEBzcy93IHJk", "b64 ***"},
		{"nothing here", "nothing here"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	base := &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}
	if err := r.Error(base); err != base {
		t.Errorf("Error(%v) = %v, want the same error when it holds no secret", base, err)
	}
	if err := r.Error(fmt.Errorf("sent p@ss/w rd")); err.Error() != "sent ***" {
		t.Errorf("Error() = %v, want the secret replaced", err)
	}
	if r.Error(nil) != nil {
		t.Errorf("Error(nil) != nil")
	}
	r.AddAuthorization("token-without-scheme")
	if got := r.String("token-without-scheme"); got != "***" {
		t.Errorf("AddAuthorization(value without scheme) then String = %q", got)
	}
}

func TestUnreachable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{fmt.Errorf("GET: %w", &net.DNSError{Err: "no such host", Name: "registry.test", IsNotFound: true}), true},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.EHOSTUNREACH}, true},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("other")}, true},
		{context.DeadlineExceeded, true},
		{&transport.Error{StatusCode: http.StatusNotFound, Errors: []transport.Diagnostic{{Code: transport.ManifestUnknownErrorCode}}}, false},
		{&transport.Error{StatusCode: http.StatusUnauthorized}, false},
		{&transport.Error{StatusCode: http.StatusForbidden}, false},
		{&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, false},
		{fmt.Errorf("get: %w", x509.HostnameError{Host: "registry.test"}), false},
		{&RefusalError{"no"}, false},
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, false},
		{errors.New("something else"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := Unreachable(tt.err); got != tt.want {
			t.Errorf("Unreachable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestParseReference(t *testing.T) {
	tests := []struct {
		ref      string
		insecure []string
		scheme   string
	}{
		{"registry.test:5000/a:1", nil, "https"},
		{"registry.test:5000/a:1", []string{"registry.test:5000"}, "http"},
		{"registry.test:5000/a:1", []string{"registry.test:5001"}, "https"},
	}
	for _, tt := range tests {
		r, err := parseReference(tt.ref, tt.insecure)
		if err != nil || r.Context().Scheme() != tt.scheme {
			t.Errorf("parseReference(%q, %q) scheme = %v, %v; want %s", tt.ref, tt.insecure, r, err, tt.scheme)
		}
	}
	if _, err := parseReference("Not Valid", nil); err == nil {
		t.Errorf("parseReference(%q) = nil error", "Not Valid")
	}
}
