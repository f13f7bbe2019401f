package registryhttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// answers is a registry that gives each request the next status, with
// the Retry-After header given.
func answers(t *testing.T, retryAfter string, statuses ...int) (http.RoundTripper, *int) {
	t.Helper()
	calls := 0
	return roundTripFunc(func(*http.Request) (*http.Response, error) {
		if calls >= len(statuses) {
			t.Fatalf("request %d; the registry expected %d", calls+1, len(statuses))
		}
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		resp := &http.Response{StatusCode: statuses[calls], Header: h, Body: io.NopCloser(strings.NewReader(""))}
		calls++
		return resp, nil
	}), &calls
}

// The one policy, with its one setting: a push waits out what it is asked
// (up to PatientWait), the sizes baseline only a short pause, once.
func TestRetryAfterPolicy(t *testing.T) {
	tests := []struct {
		name       string
		sparing    bool
		retryAfter string
		body       bool // the request has a body it cannot send again
		statuses   []int
		wantWaits  []time.Duration
		wantStatus int
		wantWhy    string
	}{
		{"short wait, then served", true, "2", false, []int{429, 200}, []time.Duration{2 * time.Second}, 200, ""},
		{"short wait, refused again", true, "2", false, []int{429, 429}, []time.Duration{2 * time.Second}, 429, "again after waiting the 2s it asked for"},
		{"no Retry-After: at once", true, "", false, []int{429}, nil, 429, "no Retry-After"},
		{"sparing, long Retry-After: at once", true, "3600", false, []int{429}, nil, 429, "Retry-After 1h0m0s, more than the 5s it is worth waiting"},
		{"patient, long Retry-After: the longest wait", false, "3600", false, []int{429, 200}, []time.Duration{PatientWait}, 200, ""},
		{"patient, 503 with Retry-After", false, "7", false, []int{503, 200}, []time.Duration{7 * time.Second}, 200, ""},
		{"sparing, 503 with Retry-After", true, "1", false, []int{503, 503}, []time.Duration{time.Second}, 503, ""},
		{"a body that cannot be sent again", false, "1", true, []int{429}, nil, 429, "a request that cannot be sent again"},
		{"not a 429 or 503", false, "1", false, []int{500}, nil, 500, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner, calls := answers(t, tt.retryAfter, tt.statuses...)
			c := New(Config{Transport: inner})
			if tt.sparing {
				c = c.SparingPulls()
			}
			var waits []time.Duration
			c.waits.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
			req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/v2/x/manifests/1", nil)
			if tt.body {
				req, _ = http.NewRequest(http.MethodPut, "http://127.0.0.1:1/v2/x/blobs/uploads/1", io.NopCloser(strings.NewReader("layer")))
			}
			resp, err := c.transport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || *calls != len(tt.statuses) {
				t.Errorf("RoundTrip() = %d after %d requests, want %d after %d", resp.StatusCode, *calls, tt.wantStatus, len(tt.statuses))
			}
			if diff := cmp.Diff(tt.wantWaits, waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if got := c.Refusal(); got != tt.wantWhy {
				t.Errorf("Refusal() = %q, want %q", got, tt.wantWhy)
			}
		})
	}
}

// A request sent again carries its body again.
func TestRetryAfterResendsTheBody(t *testing.T) {
	var bodies []string
	inner := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		h := http.Header{}
		status := http.StatusCreated
		if len(bodies) == 1 {
			status = http.StatusTooManyRequests
			h.Set("Retry-After", "0")
		}
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(""))}, nil
	})
	c := New(Config{Transport: inner})
	req, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1:1/v2/x/manifests/1", strings.NewReader("manifest"))
	resp, err := c.transport.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusCreated || !cmp.Equal(bodies, []string{"manifest", "manifest"}) {
		t.Errorf("RoundTrip() = %v, %v after bodies %q; want 201 after the manifest twice", resp, err, bodies)
	}
}

// A cancelled job does not sit out the wait.
func TestRetryAfterWaitEndsWithContext(t *testing.T) {
	inner, _ := answers(t, "5", 429, 200)
	c := New(Config{Transport: inner}).SparingPulls()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/v2/", nil)
	if _, err := c.transport.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Errorf("RoundTrip(cancelled) = %v, want context.Canceled", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, "x": 0, "-1": 0,
		now.Add(5 * time.Second).Format(http.TimeFormat):  5 * time.Second,
		now.Add(-5 * time.Second).Format(http.TimeFormat): 0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
