//go:build unix

package container

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// floodSize is the flood's connections and how long they are held:
// FLOOD_CONNS and FLOOD_HOLD, which scripts/bench/flood sets, or 1,500 for
// 3 s.
func floodSize(t *testing.T) (conns int, hold time.Duration) {
	conns, hold = 1500, 3*time.Second
	if v := os.Getenv("FLOOD_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			t.Fatalf("FLOOD_CONNS=%q, want 1 to 10000", v)
		}
		conns = n
	}
	if v := os.Getenv("FLOOD_HOLD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Minute {
			t.Fatalf("FLOOD_HOLD=%q, want a duration up to 1m", v)
		}
		hold = d
	}
	return conns, hold
}

// osThreads is the Threads line of /proc/PID/status.
func osThreads(pid int) int {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// `go tool mage run`, with 4,096 file descriptors, outlives a flood of
// idle connections held open and let go: during it the target holds a
// bounded number of descriptors and threads, and after it /health answers
// at once and the descriptors are given back.
func TestRunSurvivesFlood(t *testing.T) {
	const fdLimit = 4096
	testenv.MustHaveExec(t, "prlimit", "apt-get install util-linux")
	conns, hold := floodSize(t)
	r := startMageRun(t, t.TempDir(), "prlimit", fmt.Sprintf("--nofile=%d:%d", fdLimit, fdLimit))
	target := r.target()
	baseFds, baseThreads := count(target, "fd"), osThreads(target)
	addr := strings.TrimPrefix(r.url, "http://")

	var mu sync.Mutex
	var held []net.Conn
	var wg sync.WaitGroup
	next := make(chan struct{}, conns)
	for range conns {
		next <- struct{}{}
	}
	close(next)
	for range 32 {
		wg.Go(func() {
			for range next {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					continue
				}
				mu.Lock()
				held = append(held, c)
				mu.Unlock()
			}
		})
	}
	peakFds, peakThreads := baseFds, baseThreads
	sample := func() {
		peakFds, peakThreads = max(peakFds, count(target, "fd")), max(peakThreads, osThreads(target))
	}
	flooded := make(chan struct{})
	go func() { wg.Wait(); close(flooded) }()
	for end := time.After(hold); ; {
		sample()
		select {
		case <-flooded:
			flooded = nil // held from now on, until end
			continue
		case <-end:
		case <-time.After(50 * time.Millisecond):
			continue
		}
		break
	}
	wg.Wait()
	sample()
	mu.Lock()
	opened := len(held)
	for _, c := range held {
		c.Close()
	}
	mu.Unlock()

	left := time.Now()
	var err error
	if !waitFor(10*time.Second, func() bool { err = healthOf(r.url); return err == nil }) {
		t.Fatalf("GET /health after a flood of %d connections: %v for 10 s, want 200\n%s", opened, err, r.stderr)
	}
	answered := time.Since(left)
	fds := 0
	settled := waitFor(halfCloseGrace+5*time.Second, func() bool { fds = count(target, "fd"); return fds <= baseFds+16 })
	t.Logf("flood of %d connections (%d opened) held %s: target at peak %d fds of %d, %d threads (before: %d fds, %d threads); /health answered %d ms after; fds back to %d %d ms after",
		conns, opened, hold, peakFds, fdLimit, peakThreads, baseFds, baseThreads, answered.Milliseconds(), fds, time.Since(left).Milliseconds())
	if !settled {
		t.Errorf("target's open fds %s after the flood = %d, want about %d as before", halfCloseGrace+5*time.Second, fds, baseFds)
	}
	if peakThreads > baseThreads+32 {
		t.Errorf("target's threads during the flood = %d, want about %d as before", peakThreads, baseThreads)
	}
	if peakFds > 2*maxForwarded+baseFds+64 {
		t.Errorf("target's fds during the flood = %d, want at most %d (2 per forwarded connection)", peakFds, 2*maxForwarded+baseFds+64)
	}
}
