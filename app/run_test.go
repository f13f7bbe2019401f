package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/health"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// freePort asks the kernel for a port that is free now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeoutCause(t.Context(), 10*time.Second, fmt.Errorf("%s/health did not answer within 10s", base))
	defer cancel()
	if err := health.Wait(ctx, base+"/health", 20*time.Millisecond, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestRunCommands(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantOut  string
		wantErr  string
		wantCode int
	}{
		{name: "version", args: []string{"version"}, wantOut: "devops-info-service 0.0.0-dev (commit unknown, built unknown)\n"},
		{name: "unknown command", args: []string{"serve"}, wantErr: `unknown command "serve"`, wantCode: 2},
		{name: "too many arguments", args: []string{"version", "now"}, wantErr: "too many arguments", wantCode: 2},
		{name: "healthcheck too many arguments", args: []string{"healthcheck", "now"}, wantErr: "too many arguments", wantCode: 1},
		{name: "bad port", env: map[string]string{"PORT": "abc"}, wantErr: `PORT must be a number from 1 to 65535, got "abc"`, wantCode: 2},
		{name: "healthcheck bad port", args: []string{"healthcheck"}, env: map[string]string{"PORT": "-1"}, wantErr: "PORT must be", wantCode: 1},
		{name: "healthcheck nothing listening", args: []string{"healthcheck"}, env: map[string]string{"PORT": strconv.Itoa(freePort(t))}, wantErr: "probing http://127.0.0.1:", wantCode: 1},
		{name: "address not on this host", env: map[string]string{"HOST": "192.0.2.1", "PORT": "8000"}, wantErr: "listening on 192.0.2.1:8000", wantCode: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(t.Context(), append([]string{"devops-info-service"}, tt.args...), env(tt.env), &out)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("run(%q): %v", tt.args, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != tt.wantCode {
				t.Fatalf("run(%q) = %v (exit %d), want %q (exit %d)", tt.args, err, exitCode(err), tt.wantErr, tt.wantCode)
			}
			if tt.wantOut != "" && out.String() != tt.wantOut {
				t.Errorf("run(%q) printed %q, want %q", tt.args, out.String(), tt.wantOut)
			}
		})
	}
}

func TestServeAndHealthcheck(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	getenv := env(map[string]string{"HOST": "127.0.0.1", "PORT": port, "TRUSTED_PROXIES": "127.0.0.1"})
	ctx, cancel := context.WithCancel(t.Context())
	var logs testenv.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"devops-info-service"}, getenv, &logs) }()
	waitHealthy(t, "http://127.0.0.1:"+port)

	if err := run(t.Context(), []string{"devops-info-service", "healthcheck"}, getenv, io.Discard); err != nil {
		t.Errorf("healthcheck against a running service: %v", err)
	}
	// The configured trusted proxy reaches the handlers.
	req, _ := http.NewRequest("GET", "http://127.0.0.1:"+port+"/", nil)
	req.Header.Set("X-Forwarded-For", "198.51.100.23")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info infoResponse
	json.NewDecoder(res.Body).Decode(&info)
	res.Body.Close()
	if info.Request.ClientIP != "198.51.100.23" {
		t.Errorf("client_ip behind trusted proxy 127.0.0.1 = %q, want 198.51.100.23", info.Request.ClientIP)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return within 5s of cancel")
	}
	for _, want := range []string{`"msg":"starting"`, `"version":"0.0.0-dev"`, `"address":"127.0.0.1:` + port + `"`, `"msg":"request"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
}

func TestHealthcheckUnhealthy(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{"503", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 503, healthResponse{Status: "unhealthy"})
		}, `status 503, "unhealthy"`},
		{"not json", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, "reading body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
			err := run(t.Context(), []string{"x", "healthcheck"}, env(map[string]string{"PORT": port}), io.Discard)
			if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("healthcheck = %v (exit %d), want exit 1 and %q", err, exitCode(err), tt.wantErr)
			}
		})
	}
}

// A request in flight when the signal comes is finished, and only then does
// the server stop.
func TestShutdownDrainsInFlight(t *testing.T) {
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	entered := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		time.Sleep(500 * time.Millisecond)
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- listenAndServe(ctx, addr, slow, newLogger(io.Discard, false)) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		var res *http.Response
		var err error
		for range 200 { // until the listener is up
			if res, err = http.Get("http://" + addr + "/"); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{string(b), err}
	}()
	<-entered
	cancel()
	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request during shutdown = %q, %v; want \"finished\"", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("listenAndServe after drain = %v, want nil", err)
	}
}

func TestServerLimits(t *testing.T) {
	srv := newServer(http.NotFoundHandler(), newLogger(io.Discard, false))
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes != maxHeaderBytes {
		t.Errorf("newServer() limits = %v/%v/%v/%v/%d, want every timeout set and %d header bytes",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes, maxHeaderBytes)
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go listenAndServe(ctx, addr, newHandler(testDeps(io.Discard)), newLogger(io.Discard, false))
	waitHealthy(t, "http://"+addr)
	req, _ := http.NewRequest("GET", "http://"+addr+"/health", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 2*maxHeaderBytes))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("request with %d header bytes: status %d, want 431", 2*maxHeaderBytes, res.StatusCode)
	}
	res, err = http.Head("http://" + addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || len(body) != 0 || res.ContentLength <= 0 {
		t.Errorf("HEAD /health: status %d, %d body bytes, Content-Length %d; want 200, no body, GET's length", res.StatusCode, len(body), res.ContentLength)
	}
}

func TestExitCode(t *testing.T) {
	if got := exitCode(errors.New("x")); got != 1 {
		t.Errorf("exitCode(plain) = %d, want 1", got)
	}
	if got := exitCode(usageError("x")); got != 2 {
		t.Errorf("exitCode(usage) = %d, want 2", got)
	}
}
