package smoke

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// service answers as docs/service.md says the service does, from what
// the request carries; change alters a document before it is sent.
func service(t *testing.T, version string, change func(path string, doc map[string]any)) string {
	t.Helper()
	write := func(w http.ResponseWriter, r *http.Request, status int, doc map[string]any) {
		change(r.URL.Path, doc)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(doc)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		peer, _, _ := net.SplitHostPort(r.RemoteAddr)
		write(w, r, 200, map[string]any{
			"service": map[string]any{"name": "devops-info-service", "version": version, "description": "DevOps course info service", "framework": "Go net/http"},
			"system": map[string]any{"hostname": "box", "platform": "linux", "platform_version": "6.1", "architecture": runtime.GOARCH,
				"cpu_count": 2, "go_version": runtime.Version()},
			"runtime": map[string]any{"uptime_seconds": 61, "uptime_human": "0 hours, 1 minute", "current_time": "2026-01-07T14:30:00.000Z", "timezone": "UTC"},
			"request": map[string]any{"client_ip": peer, "user_agent": r.UserAgent(), "method": r.Method, "path": r.URL.Path},
			"endpoints": []map[string]any{
				{"path": "/", "method": "GET", "description": "Service information"},
				{"path": "/health", "method": "GET", "description": "Health check"},
			},
		})
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		write(w, r, 200, map[string]any{"status": "healthy", "timestamp": "2026-01-07T14:30:00.000Z", "uptime_seconds": 61})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		write(w, r, 404, map[string]any{"error": "Not Found", "message": "no such endpoint: " + r.URL.Path})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestContractChecks(t *testing.T) {
	tests := []struct {
		name        string
		version     string // the image's, as ContractChecks is told
		peer        string
		change      func(path string, doc map[string]any)
		wantFailing map[string]string // check name → part of its error
	}{
		{"a service that keeps the contract", "1.2.3", "127.0.0.1", nil, nil},
		{"any peer where the engine hides it", "1.2.3", "", nil, nil},
		{"another version", "9.9.9", "127.0.0.1", nil, map[string]string{"GET / matches the contract": `service.version = 1.2.3, want "9.9.9"`}},
		{"another peer", "1.2.3", "10.0.0.1", nil, map[string]string{"GET / matches the contract": `want "10.0.0.1"`}},
		{"a peer that is no address", "1.2.3", "", func(path string, doc map[string]any) {
			if path == "/" {
				doc["request"].(map[string]any)["client_ip"] = "localhost"
			}
		}, map[string]string{"GET / matches the contract": "localhost, want an IP address"}},
		{"an unhealthy health", "1.2.3", "127.0.0.1", func(path string, doc map[string]any) {
			if path == "/health" {
				doc["status"] = "starting"
			}
		}, map[string]string{"GET /health matches the contract": `status = starting, want "healthy"`}},
		{"an extra endpoint", "1.2.3", "127.0.0.1", func(path string, doc map[string]any) {
			if path == "/" {
				doc["endpoints"] = append(doc["endpoints"].([]map[string]any), map[string]any{"path": "/metrics"})
			}
		}, map[string]string{"GET / matches the contract": "endpoints = "}},
		{"a 404 without a message", "1.2.3", "127.0.0.1", func(path string, doc map[string]any) {
			delete(doc, "message")
		}, map[string]string{"GET /nope is a JSON 404": "message missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			change := tt.change
			if change == nil {
				change = func(string, map[string]any) {}
			}
			checks := ContractChecks(service(t, "1.2.3", change), tt.version, tt.peer)
			if len(checks) != 3 {
				t.Fatalf("ContractChecks() = %d checks, want 3", len(checks))
			}
			for _, c := range checks {
				want, fails := tt.wantFailing[c.Name]
				if fails && (c.Err == nil || !strings.Contains(c.Err.Error(), want)) || !fails && c.Err != nil {
					t.Errorf("ContractChecks() check %q = %v, want %q", c.Name, c.Err, want)
				}
			}
		})
	}
	if got := ContractChecks("http://127.0.0.1:1", "1.2.3", ""); len(got) != 3 || got[0].Err == nil {
		t.Errorf("ContractChecks(nothing listening) = %v, want 3 failing checks", got)
	}
}

func TestGetJSON(t *testing.T) {
	tests := []struct {
		name, body string
		want       string
	}{
		{"ok", `{"status":"healthy","timestamp":"2026-01-07T14:30:00.000Z","uptime_seconds":3}`, ""},
		{"float uptime", `{"status":"healthy","timestamp":"2026-01-07T14:30:00.000Z","uptime_seconds":3.5}`, "uptime_seconds = 3.5, want an integer"},
		{"extra field", `{"status":"healthy","timestamp":"2026-01-07T14:30:00.000Z","uptime_seconds":3,"x":1}`, "x not in the contract"},
		{"missing field", `{"status":"healthy","uptime_seconds":3}`, "timestamp missing"},
		{"bad time", `{"status":"healthy","timestamp":"2026-01-07 14:30:00","uptime_seconds":3}`, "want a string matching"},
		{"not json", `healthy`, "not a JSON object"},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, tt.body)
		}))
		err := getJSON(srv.URL, 200, healthContract)
		srv.Close()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: getJSON() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestRecord(t *testing.T) {
	var r Report
	var log strings.Builder
	check := r.Record(&log)
	check("first", nil)
	check("second", errors.New("it broke"))
	check("third", nil)
	if want := "ok   first\nFAIL second: it broke\nok   third\n"; log.String() != want {
		t.Errorf("Record() logged %q, want %q", log.String(), want)
	}
	if len(r.Checks) != 3 || r.Checks[1].Name != "second" || r.Failed() != 1 {
		t.Errorf("Record() kept %v, %d failed; want 3 checks in order, 1 failed", r.Checks, r.Failed())
	}
}
