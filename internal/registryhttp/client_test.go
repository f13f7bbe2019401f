package registryhttp

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// REGISTRY_USERNAME and REGISTRY_PASSWORD reach the registry they are for
// and no other; every other registry gets the keychain behind them.
func TestKeychainSendsCredentialsToOneRegistry(t *testing.T) {
	k := New(Config{Registry: "127.0.0.1:5000", Username: "u", Password: "p", Keychain: authn.NewMultiKeychain()}).Keychain()
	for ref, want := range map[string]string{
		"127.0.0.1:5000/svc":              "u",
		"127.0.0.1:5001/svc":              "",
		"python:3.13-slim":                "",
		"127.0.0.1:5000/library/base:1.0": "u",
	} {
		r, _ := name.ParseReference(ref)
		a, err := k.Resolve(r.Context())
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := a.Authorization()
		if cfg.Username != want {
			t.Errorf("Keychain().Resolve(%s) user = %q, want %q", ref, cfg.Username, want)
		}
	}
}

// status is the error go-containerregistry makes of an answer with code.
func status(code int) error {
	return &transport.Error{StatusCode: code}
}

// Another try is made where it can mend: not where the registry cannot be
// reached, refused, or (sparing pulls) is over its rate limit.
func TestRetryable(t *testing.T) {
	tests := []struct {
		err              error
		patient, sparing bool
	}{
		{nil, false, false},
		{context.Canceled, false, false},
		{fmt.Errorf("uploading: %w", context.DeadlineExceeded), true, true},
		{io.ErrUnexpectedEOF, true, true},
		{syscall.ECONNRESET, true, true},
		{status(http.StatusServiceUnavailable), true, true},
		{status(http.StatusTooManyRequests), true, false},
		{status(http.StatusUnauthorized), false, false},
		{status(http.StatusNotFound), false, false},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, false, false},
		{&net.DNSError{Err: "no such host", Name: "registry.test", IsNotFound: true}, false, false},
		{x509.UnknownAuthorityError{}, false, false},
		{&RefusalError{"speaks plain HTTP"}, false, false},
	}
	patient := New(Config{})
	sparing := patient.SparingPulls()
	for _, tt := range tests {
		if got := patient.retryable(tt.err); got != tt.patient {
			t.Errorf("retryable(%v) = %v, want %v", tt.err, got, tt.patient)
		}
		if got := sparing.retryable(tt.err); got != tt.sparing {
			t.Errorf("SparingPulls().retryable(%v) = %v, want %v", tt.err, got, tt.sparing)
		}
	}
}

// Once the caller's time is up, nothing is tried again.
func TestNoRetryAfterTheDeadline(t *testing.T) {
	c := New(Config{})
	ctx, cancel := context.WithCancel(t.Context())
	timeout := fmt.Errorf("reading: %w", context.DeadlineExceeded)
	if !c.retryableUnder(ctx)(timeout) {
		t.Errorf("retryableUnder(live ctx)(%v) = false, want true", timeout)
	}
	cancel()
	if c.retryableUnder(ctx)(timeout) {
		t.Errorf("retryableUnder(ended ctx)(%v) = true, want false", timeout)
	}
}

// A sparing client forgets no secret its parent knows.
func TestSparingPullsRedactsTheSame(t *testing.T) {
	c := New(Config{Password: "s3cret"})
	if got := c.SparingPulls().Redact(errors.New("sent s3cret")); got.Error() != "sent ***" {
		t.Errorf("SparingPulls().Redact(sent s3cret) = %q, want %q", got, "sent ***")
	}
}
