package sizes

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

// limited is a registry whose nth manifest request (from 1) is refused
// with 429 where refuse says so, with retryAfter as Retry-After.
type limited struct {
	mu         sync.Mutex
	manifests  int
	refuse     func(n int) bool
	retryAfter string
	next       http.Handler
}

func (l *limited) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.URL.Path, "/manifests/") {
		l.mu.Lock()
		l.manifests++
		n := l.manifests
		l.mu.Unlock()
		if l.refuse(n) {
			if l.retryAfter != "" {
				w.Header().Set("Retry-After", l.retryAfter)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}`)
			return
		}
	}
	l.next.ServeHTTP(w, r)
}

// localBaseline pushes a python:slim look-alike (linux/amd64 and arm64) to
// a registry on 127.0.0.1 behind wrap, and a smaller image to an OCI
// layout; it returns the baseline's reference and the layout.
func localBaseline(t *testing.T, wrap func(http.Handler) http.Handler) (ref, layoutDir string) {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	var mu sync.Mutex
	serve := reg // unwrapped while the test pushes
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := serve
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	ref = strings.TrimPrefix(srv.URL, "http://") + "/python:3.13-slim"
	amd, _ := knownImage(t, "amd64")
	arm, _ := knownImage(t, "arm64")
	pushIndex(t, ref, amd, arm)
	mu.Lock()
	serve = wrap(reg)
	mu.Unlock()
	return ref, writeLayout(t, amd)
}

// via sends Compare's registry requests through rt.
func via(rt http.RoundTripper) Option {
	return WithRegistry(registryhttp.New(registryhttp.Config{Transport: rt}))
}

// recordedFor makes the project's recorded python:3.13-slim figures stand
// for ref, a registry on 127.0.0.1: the tests never name Docker Hub's.
func recordedFor(ref string) Option {
	return func(o *options) {
		o.recorded = func(r string) (*Record, bool) {
			if r != ref {
				return nil, false
			}
			return Recorded(DefaultBaseline)
		}
	}
}

func TestRateLimitedBaseline(t *testing.T) {
	always := func(int) bool { return true }
	tests := []struct {
		name          string
		retryAfter    string
		refuse        func(n int) bool
		strict        bool
		wantOrigin    string // "" for an error
		wantManifests int
		wantWarning   string
	}{
		{"short Retry-After, then served", "1", func(n int) bool { return n == 1 }, false, "registry", 3, ""},
		{"short Retry-After, refused again", "1", always, false, "recorded", 2, "again after waiting the 1s it asked for"},
		{"no Retry-After", "", always, false, "recorded", 1, "(429 Too Many Requests, no Retry-After)"},
		{"long Retry-After", "3600", always, false, "recorded", 1, "Retry-After 1h0m0s, more than the 5s it is worth waiting"},
		{"the platform's manifest refused", "", func(n int) bool { return n == 2 }, false, "recorded", 2, "refused the anonymous pull for its rate limit"},
		{"strict", "", always, true, "", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each its own registry; two wait out a 1 s Retry-After
			l := &limited{refuse: tt.refuse, retryAfter: tt.retryAfter}
			ref, dir := localBaseline(t, func(h http.Handler) http.Handler { l.next = h; return l })
			var stderr strings.Builder
			r, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: ref, Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}}, Depth: Manifests, Strict: tt.strict}, WithLog(&stderr), recordedFor(ref))
			if l.manifests != tt.wantManifests {
				t.Errorf("Compare() made %d manifest requests, want %d", l.manifests, tt.wantManifests)
			}
			if tt.wantOrigin == "" {
				if err == nil || !strings.Contains(err.Error(), "(429 Too Many Requests, no Retry-After)") || !strings.Contains(err.Error(), "BASELINE_STRICT") {
					t.Errorf("Compare(strict) = %v, want the 429 as an error naming BASELINE_STRICT", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Comparisons[0].Baseline.Origin; got != tt.wantOrigin {
				t.Errorf("Compare() baseline origin = %s, want %s", got, tt.wantOrigin)
			}
			if tt.wantWarning == "" {
				if len(r.Warnings) != 0 || stderr.Len() != 0 {
					t.Errorf("Compare() warnings = %q, stderr %q; want none", r.Warnings, stderr.String())
				}
				return
			}
			if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], tt.wantWarning) || !strings.Contains(r.Warnings[0], "log in to 127.0.0.1") {
				t.Fatalf("Compare() warnings = %q, want one with %q and the login hint", r.Warnings, tt.wantWarning)
			}
			if strings.Contains(stderr.String(), "warning") {
				t.Errorf("stderr = %q, want the warning only once, in the report", stderr.String())
			}
		})
	}
}

// basicAuth is a registry that answers 401 to anonymous requests and
// serves those with user's Basic credentials.
func basicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// dockerHub is a fake Docker Hub transport: nothing leaves the test. Its
// /v2/ asks for no login; every manifest gets status and body.
func dockerHub(t *testing.T, status int, body string) http.RoundTripper {
	t.Helper()
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host != "index.docker.io" {
			t.Errorf("request to %s, want index.docker.io (faked)", r.URL)
			return unreachable{}.RoundTrip(r)
		}
		resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}
		if strings.Contains(r.URL.Path, "/manifests/") {
			resp.StatusCode, resp.Body = status, io.NopCloser(strings.NewReader(body))
			resp.Header.Set("Content-Type", "application/json")
		}
		return resp, nil
	})
}

// Docker Hub has answered its anonymous quota with 401 or 403 too; a
// 401 or 403 that is not about the quota stays an error.
func TestDockerHubQuotaAnswers(t *testing.T) {
	img, _ := knownImage(t, "amd64")
	dir := writeLayout(t, img)
	quota := `{"errors":[{"code":"UNAUTHORIZED","message":"You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"}]}`
	tests := []struct {
		name         string
		status       int
		body         string
		wantFallback bool
	}{
		{"401 quota", http.StatusUnauthorized, quota, true},
		{"403 quota", http.StatusForbidden, quota, true},
		{"403 TOOMANYREQUESTS", http.StatusForbidden, `{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`, true},
		{"429", http.StatusTooManyRequests, `{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}`, true},
		{"401 login", http.StatusUnauthorized, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, false},
		{"403 denied", http.StatusForbidden, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`, false},
		{"404", http.StatusNotFound, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DOCKER_CONFIG", t.TempDir()) // anonymous
			r, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: DefaultBaseline, Depth: Manifests}, via(dockerHub(t, tt.status, tt.body)))
			if !tt.wantFallback {
				if err == nil {
					t.Errorf("Compare(%d %s) = %+v, want an error", tt.status, tt.body, r.Warnings)
				}
				return
			}
			if err != nil {
				t.Fatalf("Compare(%d) = %v, want the recorded figures", tt.status, err)
			}
			want := fmt.Sprintf("index.docker.io refused the anonymous pull for its rate limit (%d %s", tt.status, http.StatusText(tt.status))
			if b := r.Comparisons[0].Baseline; b.Origin != "recorded" || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], want) {
				t.Errorf("Compare(%d) baseline %s, warnings %q; want recorded, and %q", tt.status, b.Origin, r.Warnings, want)
			}
		})
	}
}

// A BASELINE (or IMAGE_REF) that the registry does not have is one line
// naming the reference, not go-containerregistry's error with a Go map.
func TestBaselineDoesNotExist(t *testing.T) {
	ref, dir := localBaseline(t, func(h http.Handler) http.Handler { return h })
	repo := strings.TrimSuffix(ref, ":3.13-slim")
	for _, missing := range []string{repo + ":1.0.0", strings.TrimSuffix(repo, "python") + "nothing:1.0.0"} {
		_, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: missing, Depth: Full})
		want := "baseline: " + missing + " does not exist: " + strings.Split(repo, "/")[0] + " has no such tag or repository"
		if err == nil || err.Error() != want {
			t.Errorf("Compare(baseline %s) = %v, want %q", missing, err, want)
		}
	}
}
