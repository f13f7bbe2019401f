//go:build unix

package container

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// stubborn is a static program that ignores SIGTERM, built for the test.
// It says when it does: a SIGTERM that comes before would still kill it.
const stubborn = `package main

import (
	"os/signal"
	"syscall"
	"time"
)

func main() {
	signal.Ignore(syscall.SIGTERM)
	println("ignoring SIGTERM")
	time.Sleep(time.Hour)
}
`

func stopKillsWhatIgnoresSIGTERM(t *testing.T) {
	needRunc(t)
	t.Parallel()
	img := withProgram(t, "stubborn", stubborn)
	sb := newSandbox(t)
	var out testenv.Buffer
	c, err := Start(img, append(sb.options(), WithOutput(&out))...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove()
	// Waiting for the program rather than for a while: on a loaded
	// machine it may take longer than any fixed sleep to start.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "ignoring SIGTERM"); {
		select {
		case <-c.Done():
			t.Fatalf("the stubborn program exited with status %d before it ignored SIGTERM: %s", c.ExitCode(), out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stubborn program did not start within 10s: %q", out.String())
		}
	}
	took, err := c.Stop(300 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not exit within 300ms") || took < 300*time.Millisecond {
		t.Errorf("Stop() = %v after %v, want a kill after 300ms", err, took)
	}
	if c.ExitCode() == 0 {
		t.Errorf("ExitCode() = 0 after SIGKILL, want non-zero")
	}
	c.Remove()
	sb.assertEmpty(t)
}

func TestStopOnSignal(t *testing.T) {
	ctx, stop := StopOnSignal(context.Background())
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("context not cancelled by SIGTERM")
	}
}
