package registryhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// DefaultBackoff is the one retry of the pipeline: per request, up to 6
// tries, 0.5 s, 1 s, 2 s, 4 s, 8 s apart. go-containerregistry retries
// the smallest unit that can fail (one blob upload, one manifest, one
// read) and skips the blobs a registry has, so a whole push is never
// tried again around it: that multiplied the tries (6 per request, inside
// 4 whole attempts) without mending anything more.
var DefaultBackoff = remote.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 6}

// retryableUnder is retryable while ctx lasts: a request that failed
// because ctx ended (a pull's time limit) is not tried again, though
// net/http reports it as it reports a request's own timeout.
func (c *Client) retryableUnder(ctx context.Context) func(error) bool {
	return func(err error) bool { return ctx.Err() == nil && c.retryable(err) }
}

// statuses are the answers go-containerregistry tries again after its
// backoff. Sparing pulls leave out 429: each blind retry would count
// against the quota that refused.
func (c *Client) statuses() []int {
	s := []int{http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout, 499, 522}
	if !c.sparing {
		s = append(s, http.StatusTooManyRequests)
	}
	return s
}

// retryable says whether another try can mend err: a connection that
// broke or timed out, or a registry that timed out, was overloaded or
// failed inside. Not a registry that cannot be reached at all (nothing
// listens, no such name, no route: a step then falls back at once to what
// it kept, or says so), a refusal, a rate limit when sparing pulls, a
// certificate, or the user's cancel.
func (c *Client) retryable(err error) bool {
	// Only the user's cancel is final: a request that timed out (which
	// net/http also reports as DeadlineExceeded) deserves another try.
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var te *transport.Error
	if errors.As(err, &te) {
		return slices.Contains(c.statuses(), te.StatusCode)
	}
	// A certificate is the same on every try (and a plain HTTP registry
	// answering a TLS hello must fail fast, so the client falls back to
	// HTTP at once).
	return !settled(err) && !neverAnswered(err)
}

// The one Retry-After policy. A registry that answers 429 (its rate limit)
// or 503 (overloaded) with a Retry-After is waited out, once, and asked
// again; go-containerregistry's retry, which knows nothing of Retry-After,
// would come back too soon. How long is worth waiting is the one setting:
const (
	// PatientWait is the longest wait for a push or a base pull: a
	// longer Retry-After is cut to it, since giving up fails the step.
	PatientWait = 30 * time.Second
	// SparingWait is the longest wait where each request spends a pull
	// quota (the sizes baseline, Client.SparingPulls). A registry that asks
	// for longer is counting a quota over minutes or hours (Docker Hub's
	// counts over hours), which waiting in a CI job cannot fix: the answer
	// goes back at once, and the step falls back to what it recorded. A few
	// seconds is a burst limiter's pause, worth waiting for.
	SparingWait = 5 * time.Second
)

// retryAfter is the transport that carries out the policy.
type retryAfter struct {
	inner   http.RoundTripper
	maxWait time.Duration
	// sparing gives up on a Retry-After over maxWait rather than cutting
	// the wait to it.
	sparing bool

	// sleep waits d unless ctx ends first; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	mu      sync.Mutex
	refusal string
}

func (t *retryAfter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return resp, err
	}
	header := resp.Header.Get("Retry-After")
	wait := parseRetryAfter(header, time.Now())
	switch {
	case header == "":
		// go-containerregistry's backoff, where it retries the status.
		t.refused(resp, "no Retry-After")
		return resp, nil
	case wait > t.maxWait && t.sparing:
		t.refused(resp, fmt.Sprintf("Retry-After %s, more than the %s it is worth waiting", wait, t.maxWait))
		return resp, nil
	case req.Body != nil && req.GetBody == nil:
		t.refused(resp, "a request that cannot be sent again")
		return resp, nil
	}
	wait = min(wait, t.maxWait)
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	sleep := t.sleep
	if sleep == nil {
		sleep = timer
	}
	if err := sleep(req.Context(), wait); err != nil {
		return nil, err
	}
	again := req.Clone(req.Context())
	if req.GetBody != nil {
		if again.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	resp, err = t.inner.RoundTrip(again)
	if err == nil {
		t.refused(resp, fmt.Sprintf("again after waiting the %s it asked for", wait))
	}
	return resp, err
}

// Refusal says how the last 429 that was given up on came, for a
// message ("no Retry-After", "Retry-After 1h0m0s, more than …", "again
// after waiting …"); "" when there was none.
func (t *retryAfter) Refusal() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.refusal
}

// refused keeps how, when resp is a 429: the rate limit is what a step
// explains to its user.
func (t *retryAfter) refused(resp *http.Response, how string) {
	if resp.StatusCode != http.StatusTooManyRequests {
		return
	}
	t.mu.Lock()
	t.refusal = how
	t.mu.Unlock()
}

func timer(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// parseRetryAfter reads a Retry-After header, seconds or an HTTP date, as the
// wait from now; 0 when it is absent, unreadable or past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
