package dev

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

func TestSaveIsServed(t *testing.T) {
	t.Parallel()
	dir := newModule(t)
	d := startDev(t, Config{Dir: dir})
	first, err := get(d.url + "/")
	if err != nil || !strings.HasPrefix(first, "v1 ") {
		t.Fatalf("GET / = %q, %v, want v1 and a pid", first, err)
	}
	setMarker(t, dir, "v2")
	body := d.serves(t, "v2")
	if body[3:] == first[3:] {
		t.Errorf("GET / = %q after the save, want a new process (the old was %q)", body, first)
	}
	if n := reloads(d.logs.String()); n != 1 {
		t.Errorf("reload lines = %d, want 1 in:\n%s", n, d.logs.String())
	}
}

func TestBurstOfSavesGivesOneReload(t *testing.T) {
	t.Parallel()
	dir := newModule(t)
	// A quiet time well above the burst's 50 ms, so that a loaded machine
	// (the whole suite, beside lint in CI) cannot stretch it into two.
	d := startDev(t, Config{Dir: dir, Quiet: 500 * time.Millisecond})
	// An editor's save: several writes, a temporary and a backup, close
	// together; only the last content counts.
	for i := 2; i <= 6; i++ {
		setMarker(t, dir, fmt.Sprintf("v%d", i))
		testenv.WriteFile(t, dir+"/app/.marker.go.swp", "swap")
		testenv.WriteFile(t, dir+"/app/marker.go~", "backup")
		time.Sleep(10 * time.Millisecond)
	}
	d.serves(t, "v6")
	time.Sleep(time.Second) // room for a second reload, if there were one
	if n := reloads(d.logs.String()); n != 1 {
		t.Errorf("reload lines after a burst of 5 saves = %d, want 1 in:\n%s", n, d.logs.String())
	}
	// Editor temporaries alone are no change.
	builds := strings.Count(d.logs.String(), "(build ")
	testenv.WriteFile(t, dir+"/app/.marker.go.swp", "swap again")
	testenv.WriteFile(t, dir+"/app/4913", "vim's probe")
	testenv.WriteFile(t, dir+"/app/marker_test.go", "package main\n")
	time.Sleep(time.Second)
	if n := strings.Count(d.logs.String(), "(build "); n != builds {
		t.Errorf("builds after temporaries and a test file = %d, want %d as before in:\n%s", n, builds, d.logs.String())
	}
}

func TestBrokenChangeKeepsTheOldVersion(t *testing.T) {
	t.Parallel()
	dir := newModule(t)
	d := startDev(t, Config{Dir: dir})
	testenv.WriteFile(t, dir+"/app/broken.go", "package main\n\nfunc broken() { nope() }\n")
	waitFor(t, "the compile error", func() bool { return strings.Contains(d.logs.String(), "dev: build failed") })
	logs := d.logs.String()
	if !strings.Contains(logs, "the last good version is still serving:\n") || !strings.Contains(logs, "app/broken.go:3:17: undefined: nope") {
		t.Errorf("log after a broken save = %q, want the compiler's error in one block", logs)
	}
	stillServes(t, d.url, "v1", "a broken save")
	testenv.WriteFile(t, dir+"/app/broken.go", "package main\n")
	d.save(t, dir, "v3")
}

// A client hammering /health through 10 reloads, on kept-alive
// connections and on a new connection per request, sees no error.
func TestNoRequestFailsThroughReloads(t *testing.T) {
	t.Parallel()
	dir := newModule(t)
	d := startDev(t, Config{Dir: dir})
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: i%2 == 1, Proxy: nil}}
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := getWith(client, d.url+"/health"); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				} else {
					ok.Add(1)
				}
				// A breath between requests: still thousands through the
				// reloads, at a fraction of the CPU flat out would take.
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	for i := 2; i <= 11; i++ {
		setMarker(t, dir, fmt.Sprintf("v%d", i))
		want := reloads(d.logs.String()) + 1
		waitFor(t, fmt.Sprintf("reload %d", i-1), func() bool { return reloads(d.logs.String()) >= want })
	}
	close(stop)
	wg.Wait()
	if failed.Load() > 0 {
		t.Errorf("requests through 10 reloads: %d failed (first: %v), %d answered; want none failed", failed.Load(), firstErr.Load(), ok.Load())
	}
	if ok.Load() < 100 {
		t.Errorf("requests through 10 reloads: %d answered, want at least 100 to mean something", ok.Load())
	}
	if body, _ := get(d.url + "/"); !strings.HasPrefix(body, "v11 ") {
		t.Errorf("GET / after 10 reloads = %q, want v11", body)
	}
}

func getWith(c *http.Client, url string) (string, error) {
	res, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return "", nil
}

func TestPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	err = Run(t.Context(), Config{Dir: t.TempDir(), Port: port}, io.Discard, io.Discard)
	want := fmt.Sprintf("127.0.0.1:%d is taken; set PORT to a free one", port)
	if err == nil || err.Error() != want {
		t.Errorf("Run on a taken port = %v, want %q", err, want)
	}
}

// A version that dies is reported, requests are told why, and the next
// save starts a new one.
func TestServiceExits(t *testing.T) {
	t.Parallel()
	dir := newModule(t)
	d := startDev(t, Config{Dir: dir})
	body, _ := get(d.url + "/")
	f := strings.Fields(body)
	if len(f) != 2 {
		t.Fatalf("GET / = %q, want the marker and the pid", body)
	}
	pid, _ := strconv.Atoi(f[1])
	p, _ := os.FindProcess(pid)
	p.Kill()
	waitFor(t, "dev to see the exit", func() bool { return strings.Contains(d.logs.String(), "dev: the service exited") })
	if body, err := get(d.url + "/"); err == nil || !strings.Contains(body, "save a change to start it again") {
		t.Errorf("GET / with no service = %q, %v, want a 503 that says why", body, err)
	}
	d.save(t, dir, "v2")
}

// A version that exits at once, or ignores SIGTERM, does not take the
// service down: the old one serves on, and the stubborn one is killed.
func TestBadVersions(t *testing.T) {
	t.Parallel()
	dir := newModule(t)
	d := startDev(t, Config{Dir: dir})
	setMarker(t, dir, "crash")
	waitFor(t, "the crash to be reported", func() bool { return strings.Contains(d.logs.String(), "dev: the new version did not start") })
	want := "dev: the new version did not start: it exited before it answered /health: exit status 3; the last good version is still serving\n"
	if !strings.Contains(d.logs.String(), want) {
		t.Errorf("log after a crashing version = %q, want %q", d.logs.String(), want)
	}
	stillServes(t, d.url, "v1", "a crashing version")
	d.save(t, dir, "stubborn")
	setMarker(t, dir, "v2")
	waitFor(t, "the stubborn version to be killed", func() bool {
		return strings.Contains(d.logs.String(), "did not exit within 3s of SIGTERM; killed it")
	})
	stillServes(t, d.url, "v2", "the stubborn version")
}

// Until a first version serves, requests are told why; the fix starts
// the service.
func TestFirstVersionFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		bad      func(t *testing.T, dir string)
		fix      func(t *testing.T, dir string)
		log, why string
	}{
		{
			name: "a build that fails",
			bad: func(t *testing.T, dir string) {
				testenv.WriteFile(t, dir+"/app/broken.go", "package main\n\nfunc broken() { nope() }\n")
			},
			fix: func(t *testing.T, dir string) { testenv.WriteFile(t, dir+"/app/broken.go", "package main\n") },
			log: "; save a fix to start it:\n",
			why: "the service does not build yet",
		},
		{
			name: "a version that exits at once",
			bad:  func(t *testing.T, dir string) { setMarker(t, dir, "crash") },
			fix:  func(t *testing.T, dir string) { setMarker(t, dir, "v1") },
			log:  "exit status 3; save a fix to start it\n",
			why:  "the service did not start",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := newModule(t)
			tt.bad(t, dir)
			ctx, cancel := context.WithCancel(t.Context())
			var stdout, logs testenv.Buffer
			errc := make(chan error, 1)
			go func() { errc <- Run(ctx, Config{Dir: dir, Version: testInfo}, &stdout, &logs) }()
			t.Cleanup(func() {
				cancel()
				if err := <-errc; err != nil {
					t.Error(err)
				}
			})
			waitFor(t, "the failure", func() bool { return strings.Contains(logs.String(), tt.log) })
			url := strings.Fields(strings.TrimPrefix(logs.String(), "dev: serving "))[0]
			url = strings.TrimSuffix(url, ";")
			if body, err := get(url + "/"); err == nil || !strings.Contains(body, "dev: "+tt.why+": see dev's output") {
				t.Errorf("GET / before a first version = %q, %v, want a 503 that says %q", body, err, tt.why)
			}
			if stdout.String() != "" {
				t.Errorf("stdout before a first version = %q, want nothing", stdout.String())
			}
			tt.fix(t, dir)
			waitFor(t, "the URL on stdout", func() bool { return strings.TrimSpace(stdout.String()) == url })
			stillServes(t, url, "v1", "the fix")
		})
	}
}

// Ctrl-C as dev starts (while it reads go env) is a stop like any other:
// no error, nothing left.
func TestCancelledAtStart(t *testing.T) {
	dir, tmp := newModule(t), t.TempDir()
	testenv.SetTempDir(t, tmp)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Run(ctx, Config{Dir: dir, Version: testInfo}, io.Discard, io.Discard); err != nil {
		t.Errorf("Run(a cancelled context) = %v, want nil", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR after Run(a cancelled context): %v, want nothing", left)
	}
}
