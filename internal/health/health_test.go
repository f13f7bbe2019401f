package health

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// service answers /health 503 until it has been asked unready times, then 200.
func service(t *testing.T, unready int32) string {
	t.Helper()
	var asked atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" || asked.Add(1) <= unready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(s.Close)
	return s.URL + "/health"
}

func TestWait(t *testing.T) {
	exitedErr, slow := errors.New("exited with status 3"), errors.New("not healthy in time")
	closed := make(chan struct{})
	close(closed)
	tests := []struct {
		name    string
		unready int32
		exited  chan struct{}
		why     error
		want    error
	}{
		{"healthy at once", 0, nil, nil, nil},
		{"healthy after a few 503s", 5, nil, nil, nil},
		{"exited", 1 << 30, closed, exitedErr, exitedErr},
		{"watcher ended, service runs on", 5, closed, nil, nil},
		{"never healthy", 1 << 30, nil, nil, slow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := 10 * time.Second
			if tt.want == slow {
				timeout = 100 * time.Millisecond
			}
			ctx, cancel := context.WithTimeoutCause(t.Context(), timeout, slow)
			defer cancel()
			asked := 0
			err := Wait(ctx, service(t, tt.unready), time.Millisecond, tt.exited, func() error { asked++; return tt.why })
			if err != tt.want {
				t.Errorf("Wait() = %v, want %v", err, tt.want)
			}
			if tt.exited != nil && asked != 1 {
				t.Errorf("Wait() asked why %d times, want once", asked)
			}
		})
	}
}

// A server that is not there is polled until ctx ends.
func TestWaitNothingListening(t *testing.T) {
	s := httptest.NewServer(http.NotFoundHandler())
	url := s.URL + "/health"
	s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	if err := Wait(ctx, url, time.Millisecond, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait(nothing listening) = %v, want context.Canceled", err)
	}
}
