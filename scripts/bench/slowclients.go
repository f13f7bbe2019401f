//go:build ignore

// slowclients measures the service's peak memory (RSS) and its /health latency while many slow clients each trickle an unfinished request header at it.
//
//	go run scripts/bench/slowclients.go [-conns 4000] [-size 62KiB] [-duration 20s] [-bin PATH]
//
// .ci/run runs it once with a small load (-conns 50 -size 4KiB -trickle 1s
// -duration 2s), so that a change that breaks it shows.
//
// It builds ./app (or runs -bin), starts it on a free port of 127.0.0.1
// and sends it nothing but loopback traffic: -conns connections, each
// sending "GET / HTTP/1.1", a Host line and then one header line of -size
// bytes in 1 KiB pieces spread over -trickle, never the blank line that
// ends the header. A connection the server closes is opened again after
// -backoff, so the server faces -conns slow clients for the whole run. A
// probe asks /health on a fresh connection every 200 ms. Results go to
// stdout, progress to stderr. Both sides hold -conns sockets: the Go
// runtime raises this process's soft open-file limit to its hard one, and
// the server inherits what it needs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pidOf is the server's process ID.
var pidOf atomic.Int64

func main() {
	conns := flag.Int("conns", 4000, "slow clients held open at once (at most 10000)")
	size := flag.String("size", "62KiB", "header bytes each slow client trickles")
	trickle := flag.Duration("trickle", 4*time.Second, "how long a slow client takes to send them")
	backoff := flag.Duration("backoff", 250*time.Millisecond, "wait before a closed slow client connects again")
	duration := flag.Duration("duration", 20*time.Second, "length of the attack (at most 2m)")
	bin := flag.String("bin", "", "a built service to run; default: build ./app")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("slowclients: ")
	n, err := parseSize(*size)
	if err != nil || *conns < 1 || *conns > 10000 || *duration <= 0 || *duration > 2*time.Minute || *trickle <= 0 {
		log.Fatalf("want 1 <= -conns <= 10000, 0 < -duration <= 2m, -trickle > 0 and -size like 62KiB (size: %v)", err)
	}
	if *bin == "" {
		*bin = build()
	}
	addr, stop := start(*bin)
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var st stats
	var wg sync.WaitGroup
	for range *conns {
		wg.Go(func() { slowClient(ctx, addr, n, *trickle, *backoff, &st) })
	}
	wg.Go(func() { probe(ctx, addr, &st) })
	peak := sampleRSS(ctx, &st)
	wg.Wait()

	lat := st.latencies()
	fmt.Printf("%d slow clients x %s over %s, %s: peak RSS %.1f MB (VmHWM %.1f MB); %d slow connections opened, %d closed by the server, %d refused\n",
		*conns, *size, *trickle, *duration, mb(peak), mb(st.hwm.Load()), st.opened.Load(), st.closed.Load(), st.refused.Load())
	fmt.Printf("/health: %d probes, %d failed; latency p50 %s, p99 %s, max %s\n",
		len(lat)+int(st.probeFailed.Load()), st.probeFailed.Load(), pct(lat, 50), pct(lat, 99), pct(lat, 100))
}

type stats struct {
	opened, closed, refused, hwm atomic.Int64
	probeFailed                  atomic.Int64
	mu                           sync.Mutex
	lat                          []time.Duration
}

func (s *stats) latencies() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := slices.Clone(s.lat)
	slices.Sort(l)
	return l
}

// slowClient keeps one unfinished request open until ctx is done,
// reconnecting when the server closes it.
func slowClient(ctx context.Context, addr string, size int, trickle, backoff time.Duration, st *stats) {
	piece := []byte(strings.Repeat("a", 1024))
	pieces := max(1, size/len(piece))
	every := trickle / time.Duration(pieces)
	for ctx.Err() == nil {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() == nil {
				st.refused.Add(1)
				sleep(ctx, backoff)
			}
			continue
		}
		st.opened.Add(1)
		stop := context.AfterFunc(ctx, func() { c.Close() })
		_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
		for i := 0; err == nil && i < pieces && ctx.Err() == nil; i++ {
			sleep(ctx, every)
			_, err = c.Write(piece)
		}
		if err == nil && ctx.Err() == nil {
			// All sent, the header still open: wait for the server's verdict.
			_, err = c.Read(make([]byte, 1))
		}
		stop()
		c.Close()
		if ctx.Err() == nil {
			st.closed.Add(1)
			sleep(ctx, backoff)
		}
	}
}

// probe asks /health every 200 ms on a new connection and records how long
// each answer took.
func probe(ctx context.Context, addr string, st *stats) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	for sleep(ctx, 200*time.Millisecond) {
		t0 := time.Now()
		res, err := client.Get("http://" + addr + "/health")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil || res.StatusCode != http.StatusOK {
			st.probeFailed.Add(1)
			log.Printf("/health: %v", failure(err, res))
			continue
		}
		st.mu.Lock()
		st.lat = append(st.lat, time.Since(t0))
		st.mu.Unlock()
	}
}

func failure(err error, res *http.Response) string {
	if err != nil {
		return err.Error()
	}
	return res.Status
}

// sampleRSS reads the server's VmRSS every 100 ms until ctx is done and
// returns the highest, logging it each second.
func sampleRSS(ctx context.Context, st *stats) int64 {
	var peak int64
	for i := 0; sleep(ctx, 100*time.Millisecond); i++ {
		rss, hwm := status(int(pidOf.Load()))
		peak = max(peak, rss)
		st.hwm.Store(hwm)
		if i%10 == 9 {
			log.Printf("%2ds: RSS %.1f MB, %d opened, %d closed by the server", (i+1)/10, mb(rss), st.opened.Load(), st.closed.Load())
		}
	}
	return peak
}

// status is VmRSS and VmHWM of pid, in bytes.
func status(pid int) (rss, hwm int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		log.Fatalf("reading the server's memory: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// build compiles ./app into a temporary folder.
func build() string {
	dir, err := os.MkdirTemp("", "slowclients-")
	if err != nil {
		log.Fatal(err)
	}
	bin := filepath.Join(dir, "devops-info-service")
	cmd := exec.Command("go", "build", "-o", bin, "./app")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("building ./app: %v", err)
	}
	return bin
}

// start runs bin on a free port of 127.0.0.1 and waits for /health.
func start(bin string) (addr string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "HOST=127.0.0.1", "PORT="+port)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatalf("starting %s: %v", bin, err)
	}
	pidOf.Store(int64(cmd.Process.Pid))
	stop = func() { cmd.Process.Kill(); cmd.Wait() }
	for range 100 {
		if res, err := http.Get("http://" + addr + "/health"); err == nil {
			res.Body.Close()
			rss, _ := status(cmd.Process.Pid)
			log.Printf("service up on %s, pid %d, RSS %.1f MB", addr, cmd.Process.Pid, mb(rss))
			return addr, stop
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	log.Fatalf("%s did not answer /health on %s", bin, addr)
	return "", nil
}

func parseSize(s string) (int, error) {
	unit := 1
	for suffix, u := range map[string]int{"KiB": 1 << 10, "MiB": 1 << 20, "KB": 1000} {
		if t, ok := strings.CutSuffix(s, suffix); ok {
			s, unit = t, u
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n*unit > 1<<20 {
		return 0, errors.New("a size from 1 byte to 1MiB")
	}
	return n * unit, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100].Round(100 * time.Microsecond)
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
