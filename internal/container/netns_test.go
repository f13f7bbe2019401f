//go:build linux

package container

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// deafNetns is a network namespace of its own, with 127.0.0.1 up and a
// listener on port that never accepts and has no room in its queue: a
// dial there waits until it is given up, as one does into a container
// whose service is swamped.
func deafNetns(t *testing.T) (n *netns, port int) {
	t.Helper()
	testenv.MustHaveExec(t, "unshare", "apt-get install util-linux")
	testenv.MustHaveExec(t, "ip", "apt-get install iproute2")
	if os.Geteuid() != 0 {
		testenv.Need(t, "a network namespace of its own needs root")
	}
	cmd := exec.Command("unshare", "--net", "sh", "-c", "ip link set lo up && echo up && exec sleep 600")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if _, err := out.Read(make([]byte, 3)); err != nil {
		t.Fatalf("unshare --net: %v", err)
	}
	if n, err = openNetns(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	// The listener is made by a thread of the test's in the namespace,
	// retired after, as netns.inside's is.
	type result struct {
		fd, port int
		err      error
	}
	ch := make(chan result)
	onDisposableThread(func() {
		r := result{fd: -1}
		defer func() { ch <- r }()
		if r.err = unix.Setns(int(n.f.Fd()), unix.CLONE_NEWNET); r.err != nil {
			return
		}
		if r.fd, r.err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); r.err != nil {
			return
		}
		if r.err = unix.Bind(r.fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); r.err != nil {
			return
		}
		if r.err = unix.Listen(r.fd, 0); r.err != nil {
			return
		}
		sa, err := unix.Getsockname(r.fd)
		r.err = err
		if sa, ok := sa.(*unix.SockaddrInet4); ok {
			r.port = sa.Port
		}
	})
	r := <-ch
	if r.err != nil {
		t.Fatalf("listening in the namespace: %v", r.err)
	}
	t.Cleanup(func() { unix.Close(r.fd) })
	return n, r.port
}

// threads counts this process's OS threads.
func threads(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if n, ok := strings.CutPrefix(line, "Threads:"); ok {
			var v int
			fmt.Sscan(n, &v)
			return v
		}
	}
	t.Fatal("no Threads line in /proc/self/status")
	return 0
}

// Dials that wait into a swamped namespace hold no thread each: a flood
// of them costs the namespace's one thread, and they end when given up.
func TestDialsIntoNetnsShareOneThread(t *testing.T) {
	n, port := deafNetns(t)
	const dials = 300
	before := threads(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, dials)
	for range dials {
		wg.Go(func() {
			c, err := n.dial(ctx, fmt.Sprintf("127.0.0.1:%d", port))
			if err == nil {
				c.Close()
			}
			errs <- err
		})
	}
	peak := before
	for ctx.Err() == nil {
		peak = max(peak, threads(t))
		time.Sleep(20 * time.Millisecond)
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
		}
	}
	if failed < dials-10 {
		t.Errorf("%d of %d dials into a full queue failed, want all but a few to wait and be given up", failed, dials)
	}
	if peak > before+20 {
		t.Errorf("threads during %d waiting dials = %d, want about %d as before", dials, peak, before)
	}
}
