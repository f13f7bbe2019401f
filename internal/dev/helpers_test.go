package dev

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
	"github.com/lehus1/devops-info-service-go/internal/version"
)

var testInfo = version.Info{Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Time: time.Unix(1700000000, 0)}

// goLine is the repository's go line, so that the test module builds with
// the toolchain already here.
func goLine(t *testing.T) string {
	t.Helper()
	tc, err := binary.Toolchain("../..")
	if err != nil {
		t.Fatal(err)
	}
	return "go " + strings.TrimPrefix(tc, "go")
}

// newModule is a module with the stand-in for the service
// (testdata/service) in app/, marked v1. A test that builds it skips
// under -short.
func newModule(t *testing.T) string {
	t.Helper()
	testenv.SkipIfShort(t, "builds the service")
	service, err := os.ReadFile(filepath.Join("testdata", "service", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dir, "go.mod"), "module example.com/svc\n\n"+goLine(t)+"\n")
	testenv.WriteFile(t, filepath.Join(dir, "app", "main.go"), string(service))
	setMarker(t, dir, "v1")
	return dir
}

func setMarker(t *testing.T, dir, marker string) {
	t.Helper()
	testenv.WriteFile(t, filepath.Join(dir, "app", "marker.go"), "package main\n\nconst marker = \""+marker+"\"\n")
}

// running is a dev started by startDev.
type running struct {
	url  string
	logs *testenv.Buffer
	stop func() error // cancels Run and returns what it returned
}

// startDev runs Run on dir until the test ends, and waits for its first
// version to serve.
func startDev(t *testing.T, cfg Config) *running {
	t.Helper()
	cfg.Port, cfg.Version = 0, testInfo
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{logs: &testenv.Buffer{}}
	var stdout testenv.Buffer
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, cfg, &stdout, r.logs) }()
	var once sync.Once
	var runErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-errc:
			case <-time.After(30 * time.Second):
				runErr = fmt.Errorf("Run did not return within 30 s of cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("dev's log:\n%s", r.logs.String())
		}
	})
	waitFor(t, "the URL on stdout", func() bool {
		select {
		case err := <-errc:
			t.Fatalf("Run = %v before it served", err)
		default:
		}
		r.url = strings.TrimSpace(stdout.String())
		return strings.HasPrefix(r.url, "http://127.0.0.1:")
	})
	return r
}

// save writes marker, as a save would, and waits until GET / serves it.
func (r *running) save(t *testing.T, dir, marker string) {
	t.Helper()
	setMarker(t, dir, marker)
	r.serves(t, marker)
}

// serves waits until GET / serves marker, and returns the body.
func (r *running) serves(t *testing.T, marker string) string {
	t.Helper()
	var body string
	waitFor(t, marker+" to be served", func() bool {
		body, _ = get(r.url + "/")
		return strings.HasPrefix(body, marker+" ")
	})
	return body
}

// stillServes fails t unless GET url/ serves marker now, after what
// happened.
func stillServes(t *testing.T, url, marker, after string) {
	t.Helper()
	if body, err := get(url + "/"); err != nil || !strings.HasPrefix(body, marker+" ") {
		t.Errorf("GET / after %s = %q, %v, want %s", after, body, err, marker)
	}
}

// waitFor polls cond for up to a minute: builds are slow on a busy machine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// get is GET url's body, or the error.
func get(url string) (string, error) {
	res, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("GET %s: %s: %s", url, res.Status, body)
	}
	return string(body), err
}

var reloadLine = regexp.MustCompile(`(?m)^reloaded in \d+\.\d\d s \(build \d+\.\d\d s, ready \d+\.\d\d s\)$`)

func reloads(logs string) int { return len(reloadLine.FindAllString(logs, -1)) }
