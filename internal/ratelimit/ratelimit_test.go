package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, "x": 0, "-1": 0,
		now.Add(5 * time.Second).Format(http.TimeFormat):  5 * time.Second,
		now.Add(-5 * time.Second).Format(http.TimeFormat): 0,
	} {
		if got := RetryAfter(in, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

// refusal is the error go-containerregistry makes of an answer.
func refusal(t *testing.T, status int, body string) error {
	t.Helper()
	resp := &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body)),
		Request: &http.Request{Method: http.MethodGet, URL: &url.URL{Scheme: "https", Host: "registry.test", Path: "/v2/x/manifests/1"}}}
	err := transport.CheckError(resp, http.StatusOK)
	if err == nil {
		t.Fatalf("CheckError(%d) = nil", status)
	}
	return fmt.Errorf("fetching x: %w", err)
}

func TestExceeded(t *testing.T) {
	const hub = "index.docker.io"
	quota := `{"errors":[{"code":"UNAUTHORIZED","message":"You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"}]}`
	tests := []struct {
		name     string
		err      error
		registry string
		want     bool
	}{
		{"429 anywhere", refusal(t, 429, ""), "127.0.0.1:5000", true},
		{"429 from Docker Hub", refusal(t, 429, `{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}`), hub, true},
		{"401 TOOMANYREQUESTS anywhere", refusal(t, 401, `{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`), "127.0.0.1:5000", true},
		{"403 TOOMANYREQUESTS", refusal(t, 403, `{"errors":[{"code":"TOOMANYREQUESTS"}]}`), "127.0.0.1:5000", true},
		{"401 quota from Docker Hub", refusal(t, 401, quota), hub, true},
		{"403 quota from Docker Hub", refusal(t, 403, quota), hub, true},
		{"401 quota wording elsewhere", refusal(t, 401, quota), "127.0.0.1:5000", false},
		{"401 needs a login", refusal(t, 401, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`), hub, false},
		{"403 denied", refusal(t, 403, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`), hub, false},
		{"404", refusal(t, 404, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`), hub, false},
		{"not an answer", errors.New("dial tcp: refused"), hub, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := Exceeded(tt.err, tt.registry); got != tt.want {
				t.Errorf("Exceeded(%v, %s) = %v, want %v", tt.err, tt.registry, got, tt.want)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

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

func TestTransport(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		statuses   []int
		wantWaits  []time.Duration
		wantStatus int
		wantWhy    string
	}{
		{"short wait, then served", "2", []int{429, 200}, []time.Duration{2 * time.Second}, 200, ""},
		{"short wait, refused again", "2", []int{429, 429}, []time.Duration{2 * time.Second}, 429, "again after waiting the 2s it asked for"},
		{"no Retry-After: at once", "", []int{429}, nil, 429, "no Retry-After"},
		{"long Retry-After: at once", "3600", []int{429}, nil, 429, "Retry-After 1h0m0s, more than the 5s it is worth waiting"},
		{"not a 429", "1", []int{503}, nil, 503, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, calls := answers(t, tt.retryAfter, tt.statuses...)
			tr := NewTransport(base)
			var waits []time.Duration
			tr.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
			req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/v2/x/manifests/1", nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || *calls != len(tt.statuses) {
				t.Errorf("RoundTrip() = %d after %d requests, want %d after %d", resp.StatusCode, *calls, tt.wantStatus, len(tt.statuses))
			}
			if diff := cmp.Diff(tt.wantWaits, waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if got := tr.Refusal(); got != tt.wantWhy {
				t.Errorf("Refusal() = %q, want %q", got, tt.wantWhy)
			}
		})
	}
}

// A cancelled job does not sit out the wait.
func TestTransportWaitEndsWithContext(t *testing.T) {
	base, _ := answers(t, "5", 429, 200)
	tr := NewTransport(base)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/v2/", nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Errorf("RoundTrip(cancelled) = %v, want context.Canceled", err)
	}
}
