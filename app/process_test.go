package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the service once per test run, stamped like a release, so
// these tests see what an operator runs.
func binary(t *testing.T) string {
	t.Helper()
	testenv.SkipIfShort(t, "builds the service")
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "devops-info-service-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "devops-info-service")
		out, err := exec.Command("go", "build", "-ldflags", "-X main.version=9.8.7", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building the service: %v", buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func TestProcessBadPort(t *testing.T) {
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(), "PORT=abc")
	var stderr, stdout bytes.Buffer
	cmd.Stderr, cmd.Stdout = &stderr, &stdout
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("PORT=abc: %v, want exit status 2", err)
	}
	want := "devops-info-service: PORT must be a number from 1 to 65535, got \"abc\"\n"
	if stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("PORT=abc printed stderr %q, stdout %q; want stderr %q only", stderr.String(), stdout.String(), want)
	}
}

// SIGTERM under load: the process stops accepting, every response it began
// is sent whole, and it exits 0. (The drain of a slow handler is proven in
// process by TestShutdownDrainsInFlight on the same listenAndServe; the
// service itself has no slow route to catch in flight, and gets no hidden one.)
func TestProcessGracefulSIGTERM(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	base := "http://127.0.0.1:" + port
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(), "HOST=127.0.0.1", "PORT="+port)
	var logs testenv.Buffer
	cmd.Stdout = &logs
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	waitHealthy(t, base)

	// Clients hammer / on keep-alive connections until the server goes away.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var complete, partial int
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for {
				res, err := client.Get(base + "/")
				if err != nil {
					return // refused or closed before a response: the server stopped
				}
				var body infoResponse
				err = json.NewDecoder(res.Body).Decode(&body)
				res.Body.Close()
				mu.Lock()
				if err != nil || res.StatusCode != 200 || body.Service.Version != "9.8.7" {
					partial++
				} else {
					complete++
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM = %v, want status 0; logs:\n%s", err, logs.String())
		}
	// Within the 20 s grace, and past net/http's 5 s for a connection that
	// was opened but has sent nothing yet (the client's transport dials
	// one, then may keep it idle when another connection frees first):
	// Shutdown waits that long for its first request before closing it.
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10s after SIGTERM; logs:\n%s", logs.String())
	}
	wg.Wait()
	if partial != 0 || complete == 0 {
		t.Errorf("under SIGTERM: %d complete and %d broken responses, want some complete and none broken", complete, partial)
	}
	if _, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
		t.Errorf("still accepting connections after exit")
	}
	for _, want := range []string{`"version":"9.8.7"`, `"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
}
