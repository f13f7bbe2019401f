package ratelimit

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultMaxWait is the longest Retry-After that Transport waits out. A
// registry that asks for longer is counting a quota over minutes or hours
// (Docker Hub's pull limit counts over hours), which waiting in a CI job
// cannot fix; a few seconds is a burst limiter's pause, worth waiting for.
const DefaultMaxWait = 5 * time.Second

// Transport answers a 429 that carries a Retry-After of at most MaxWait by
// waiting that long and asking once more; any other 429 goes back at once.
// It asks only once more because each manifest request counts against a
// pull quota: a blind retry spends the quota it is waiting for.
type Transport struct {
	Base    http.RoundTripper
	MaxWait time.Duration

	// sleep waits d unless ctx ends first; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	mu      sync.Mutex
	refusal string
}

// NewTransport is a Transport over base that waits up to DefaultMaxWait.
func NewTransport(base http.RoundTripper) *Transport {
	return &Transport{Base: base, MaxWait: DefaultMaxWait}
}

// RoundTrip sends req, waiting out a short Retry-After once.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		return resp, err
	}
	header := resp.Header.Get("Retry-After")
	wait := RetryAfter(header, time.Now())
	switch {
	case header == "":
		t.refused("no Retry-After")
		return resp, nil
	case wait > t.MaxWait:
		t.refused(fmt.Sprintf("Retry-After %s, more than the %s it is worth waiting", wait, t.MaxWait))
		return resp, nil
	case req.Body != nil && req.GetBody == nil:
		t.refused("a request that cannot be sent again")
		return resp, nil
	}
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
	resp, err = t.Base.RoundTrip(again)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.refused(fmt.Sprintf("again after waiting the %s it asked for", wait))
	}
	return resp, err
}

// Refusal says how the last 429 that was given up on came, for a
// message ("no Retry-After", "Retry-After 1h0m0s, more than …", "again
// after waiting …"); "" when there was none.
func (t *Transport) Refusal() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.refusal
}

func (t *Transport) refused(how string) {
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
