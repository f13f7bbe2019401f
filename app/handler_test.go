package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	testStart = time.Date(2026, 1, 7, 13, 30, 0, 0, time.UTC)
	testNow   = testStart.Add(time.Hour + 123*time.Millisecond)
)

func testDeps(logs io.Writer) deps {
	return deps{
		service: serviceInfo{Name: "devops-info-service", Version: "1.0.0", Description: "DevOps course info service", Framework: "Go net/http"},
		system: systemInfo{Hostname: "my-laptop", Platform: "linux", PlatformVersion: "Debian GNU/Linux 12 (bookworm)",
			Architecture: "amd64", CPUCount: 2, GoVersion: "go1.26.8"},
		started: testStart,
		now:     func() time.Time { return testNow },
		logger:  newLogger(logs, true),
	}
}

// The examples of SERVICE_SPEC.md, field for field.
const (
	specInfo = `{
  "service": {"name": "devops-info-service", "version": "1.0.0", "description": "DevOps course info service", "framework": "Go net/http"},
  "system": {"hostname": "my-laptop", "platform": "linux", "platform_version": "Debian GNU/Linux 12 (bookworm)", "architecture": "amd64", "cpu_count": 2, "go_version": "go1.26.8"},
  "runtime": {"uptime_seconds": 3600, "uptime_human": "1 hour, 0 minutes", "current_time": "2026-01-07T14:30:00.123Z", "timezone": "UTC"},
  "request": {"client_ip": "127.0.0.1", "user_agent": "curl/7.81.0", "method": "GET", "path": "/"},
  "endpoints": [
    {"path": "/", "method": "GET", "description": "Service information"},
    {"path": "/health", "method": "GET", "description": "Health check"}
  ]}`
	specHealth = `{"status": "healthy", "timestamp": "2026-01-07T14:30:00.123Z", "uptime_seconds": 3600}`
)

func TestHandler(t *testing.T) {
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantBody           string // JSON, compared structurally; "" for no body
		wantAllow          string
		wantLocation       string
	}{
		{name: "info", method: "GET", path: "/", wantStatus: 200, wantBody: specInfo},
		{name: "health", method: "GET", path: "/health", wantStatus: 200, wantBody: specHealth},
		{name: "head info", method: "HEAD", path: "/", wantStatus: 200},
		{name: "head health", method: "HEAD", path: "/health", wantStatus: 200},
		{name: "unknown path", method: "GET", path: "/x", wantStatus: 404,
			wantBody: `{"error": "Not Found", "message": "Endpoint /x does not exist"}`},
		{name: "unknown nested path", method: "POST", path: "/health/deep", wantStatus: 404,
			wantBody: `{"error": "Not Found", "message": "Endpoint /health/deep does not exist"}`},
		{name: "wrong method", method: "POST", path: "/health", wantStatus: 405, wantAllow: "GET, HEAD",
			wantBody: `{"error": "Method Not Allowed", "message": "Method POST is not allowed for /health; allowed: GET, HEAD"}`},
		{name: "wrong method on root", method: "DELETE", path: "/", wantStatus: 405, wantAllow: "GET, HEAD",
			wantBody: `{"error": "Method Not Allowed", "message": "Method DELETE is not allowed for /; allowed: GET, HEAD"}`},
		{name: "unclean path redirects", method: "GET", path: "/a/../health", wantStatus: 307, wantLocation: "/health",
			wantBody: `{"error": "Temporary Redirect", "message": "Endpoint /a/../health is at /health"}`},
		{name: "double slash redirects", method: "GET", path: "//health", wantStatus: 307, wantLocation: "/health",
			wantBody: `{"error": "Temporary Redirect", "message": "Endpoint //health is at /health"}`},
		{name: "trailing slash", method: "GET", path: "/health/", wantStatus: 404,
			wantBody: `{"error": "Not Found", "message": "Endpoint /health/ does not exist"}`},
	}
	h := newHandler(testDeps(io.Discard))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			req.RemoteAddr = "127.0.0.1:51234"
			req.Header.Set("User-Agent", "curl/7.81.0")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s: status = %d, want %d (body %s)", tt.method, tt.path, res.StatusCode, tt.wantStatus, rec.Body)
			}
			if got := res.Header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("%s %s: Allow = %q, want %q", tt.method, tt.path, got, tt.wantAllow)
			}
			if got := res.Header.Get("Location"); got != tt.wantLocation {
				t.Errorf("%s %s: Location = %q, want %q", tt.method, tt.path, got, tt.wantLocation)
			}
			if tt.method == "HEAD" {
				// The server drops a HEAD body; the headers must be GET's.
				if res.Header.Get("Content-Type") != "application/json" || res.Header.Get("Content-Length") != strconv.Itoa(rec.Body.Len()) {
					t.Errorf("HEAD %s: Content-Type %q, Content-Length %q; want application/json and %d",
						tt.path, res.Header.Get("Content-Type"), res.Header.Get("Content-Length"), rec.Body.Len())
				}
				return
			}
			if got := res.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("%s %s: Content-Type = %q, want application/json", tt.method, tt.path, got)
			}
			if diff := cmp.Diff(decode(t, tt.wantBody), decode(t, rec.Body.String())); diff != "" {
				t.Errorf("%s %s: body mismatch (-want +got):\n%s", tt.method, tt.path, diff)
			}
		})
	}
}

// decode keeps numbers as json.Number so that 3600 and 3600.0 differ:
// the contract says integers.
func decode(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %q: %v", s, err)
	}
	return v
}

func TestEndpointsListEveryRoute(t *testing.T) {
	h := newHandler(testDeps(io.Discard))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	var got infoResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, e := range got.Endpoints {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(e.Method, e.Path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("%s %s listed in endpoints: status = %d, want 200", e.Method, e.Path, rec.Code)
		}
	}
}

func TestPanicBecomesJSON500(t *testing.T) {
	var logs bytes.Buffer
	d := testDeps(&logs)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    int
	}{
		{"before headers", func(w http.ResponseWriter, r *http.Request) { panic("secret detail") }, 500},
		{"after headers", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202); panic("secret detail") }, 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			h := logRequests(d, recoverPanics(d, tt.handler))
			rec := httptest.NewRecorder()
			func() {
				defer func() {
					if v := recover(); v != nil && v != http.ErrAbortHandler {
						t.Fatalf("panic %v escaped, want it recovered or http.ErrAbortHandler", v)
					}
				}()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
			}()
			if rec.Code != tt.want {
				t.Errorf("status = %d, want %d", rec.Code, tt.want)
			}
			if strings.Contains(rec.Body.String(), "secret detail") {
				t.Errorf("body %q shows the panic value", rec.Body)
			}
			if tt.want == 500 {
				if diff := cmp.Diff(decode(t, `{"error": "Internal Server Error", "message": "An unexpected error occurred"}`), decode(t, rec.Body.String())); diff != "" {
					t.Errorf("body mismatch (-want +got):\n%s", diff)
				}
			}
			if !strings.Contains(logs.String(), `"panic":"secret detail"`) || !strings.Contains(logs.String(), `"msg":"request"`) {
				t.Errorf("logs = %s, want the panic and the request logged", logs.String())
			}
		})
	}
}

func TestRequestLog(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(testDeps(&logs))
	req := httptest.NewRequest("GET", "/health", nil)
	req.RemoteAddr = "192.0.2.7:4000"
	h.ServeHTTP(httptest.NewRecorder(), req)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var entry map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
		t.Fatalf("log line %q is not JSON: %v", lines[0], err)
	}
	want := map[string]any{"msg": "request", "method": "GET", "path": "/health", "status": float64(200), "client_ip": "192.0.2.7", "level": "INFO"}
	for k, v := range want {
		if entry[k] != v {
			t.Errorf("log %q = %v, want %v", k, entry[k], v)
		}
	}
	if _, ok := entry["duration_ms"].(float64); !ok {
		t.Errorf("log duration_ms = %v, want a number", entry["duration_ms"])
	}
	ts, _ := entry["time"].(string)
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", ts); err != nil {
		t.Errorf("log time = %q, want UTC RFC 3339 with milliseconds", ts)
	}
	if len(lines) != 2 || !strings.Contains(lines[1], `"level":"DEBUG"`) {
		t.Errorf("with DEBUG on, want a debug line after the request line, got %q", lines)
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"plain peer", "203.0.113.9:5555", nil, "203.0.113.9"},
		{"untrusted peer's header ignored", "203.0.113.9:5555", []string{"1.2.3.4"}, "203.0.113.9"},
		{"trusted proxy", "10.1.2.3:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"spoofed left part ignored", "10.1.2.3:80", []string{"6.6.6.6, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"several headers", "10.1.2.3:80", []string{"6.6.6.6", "198.51.100.1"}, "198.51.100.1"},
		{"all trusted", "10.1.2.3:80", []string{"10.2.2.2"}, "10.2.2.2"},
		{"garbage stops the walk", "10.1.2.3:80", []string{"6.6.6.6, nonsense"}, "10.1.2.3"},
		{"hop with port", "10.1.2.3:80", []string{"198.51.100.1:1234"}, "198.51.100.1"},
		{"ipv6 trusted peer", "[::1]:80", []string{"2001:db8::1"}, "2001:db8::1"},
		{"ipv4-mapped peer", "[::ffff:203.0.113.9]:80", nil, "203.0.113.9"},
		{"unparseable remote", "pipe", nil, "pipe"},
		{"named remote", "host.example:80", nil, "host.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientIP(r, trusted); got != tt.want {
				t.Errorf("clientIP(%s, %q) = %q, want %q", tt.remote, tt.xff, got, tt.want)
			}
		})
	}
}

func TestHumanUptime(t *testing.T) {
	tests := []struct {
		seconds int64
		want    string
	}{
		{0, "0 hours, 0 minutes"},
		{59, "0 hours, 0 minutes"},
		{60, "0 hours, 1 minute"},
		{3600, "1 hour, 0 minutes"},
		{3660, "1 hour, 1 minute"},
		{2*3600 + 5*60, "2 hours, 5 minutes"},
		{50 * 3600, "50 hours, 0 minutes"},
	}
	for _, tt := range tests {
		if got := humanUptime(tt.seconds); got != tt.want {
			t.Errorf("humanUptime(%d) = %q, want %q", tt.seconds, got, tt.want)
		}
	}
	if got := uptime(testNow, testStart); got != 0 {
		t.Errorf("uptime with a clock that went back = %d, want 0", got)
	}
}

func TestLogLevel(t *testing.T) {
	var buf bytes.Buffer
	newLogger(&buf, false).Debug("hidden")
	if buf.Len() != 0 {
		t.Errorf("debug line written with DEBUG off: %s", buf.String())
	}
	newLogger(&buf, true).Log(t.Context(), slog.LevelDebug, "shown")
	if !strings.Contains(buf.String(), "shown") {
		t.Errorf("debug line missing with DEBUG on")
	}
}
