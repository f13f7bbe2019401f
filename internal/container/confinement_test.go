//go:build linux

package container

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// hostOnlyService is listenHostOnly for a test: its port, and how many
// requests it heard.
func hostOnlyService(t *testing.T) (port string, heard *atomic.Int32) {
	t.Helper()
	h, err := listenHostOnly()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h.port, &h.heard
}

// A process in the container cannot reach a service that listens on the
// host's 127.0.0.1: the image's own probe, run inside, fails to connect
// (while it reaches the service in the container), and a connection made
// from the container's network namespace is refused.
func TestContainerCannotReachHost(t *testing.T) {
	needRunc(t)
	port, heard := hostOnlyService(t)
	sb := newSandbox(t)
	c, err := Start(serviceImage(t), sb.options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove()
	probe := []string{c.spec.Process.Args[0], "healthcheck"}
	own := []string{"HOST=127.0.0.1", "PORT=" + strconv.Itoa(contract.Port)}
	for deadline := time.Now().Add(10 * time.Second); ; {
		out, err := c.Exec(t.Context(), own, probe...)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Exec(%v) on the container's own port: %v: %s", probe, err, out)
		}
		time.Sleep(20 * time.Millisecond)
	}

	out, err := c.Exec(t.Context(), []string{"HOST=127.0.0.1", "PORT=" + port}, probe...)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "connection refused") || heard.Load() != 0 {
		t.Errorf("Exec(%v) of the host's 127.0.0.1:%s = %v, %q, %d requests heard; want exit status 1, connection refused, none heard",
			probe, port, err, out, heard.Load())
	}

	ns, err := c.netns()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ns.dial(t.Context(), "127.0.0.1:"+port)
	if err == nil {
		conn.Close()
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial 127.0.0.1:%s in the container's network namespace = %v, want connection refused", port, err)
	}
}

// confined tries, from inside, what the container's confinement forbids,
// and says how each went.
const confined = `package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if len(os.Args) > 1 {
		return // run from /tmp
	}
	// keyctl is not on Docker's default seccomp list; root on a host may.
	_, _, errno := syscall.Syscall(syscall.SYS_KEYCTL, 0, ^uintptr(2), 0)
	fmt.Printf("keyctl: %d\n", errno)
	self, _ := os.ReadFile("/proc/self/exe")
	copied := os.TempDir() + "/confined-copy"
	err := os.WriteFile(copied, self, 0o755)
	if err == nil {
		err = exec.Command(copied, "again").Run()
	}
	fmt.Printf("exec from the temporary folder: %v\n", err)
	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	fmt.Printf("open files: %d %d\n", rl.Cur, rl.Max)
	c, err := net.Dial("tcp4", os.Getenv("HOST_ONLY"))
	if err == nil {
		c.Close()
	}
	fmt.Printf("dial the host: %v\n", err)
}
`

// Inside the container, the seccomp filter refuses a system call, nothing
// runs from /tmp, open files are limited and the host's 127.0.0.1 is out
// of reach. The same program on the host shows that each is the
// container's doing.
func TestConfinedInside(t *testing.T) {
	needRunc(t)
	port, heard := hostOnlyService(t)
	img := withProgram(t, "confined", confined)
	sb := newSandbox(t)
	var out testenv.Buffer
	c, err := Start(img, append(sb.options(), WithOutput(&out), WithEnv("HOST_ONLY=127.0.0.1:"+port))...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove()
	select {
	case <-c.Done():
	case <-time.After(20 * time.Second):
		t.Fatalf("the confined program did not finish within 20s: %s", out.String())
	}
	want := fmt.Sprintf("keyctl: %d\nexec from the temporary folder: fork/exec /tmp/confined-copy: permission denied\nopen files: %d %d\ndial the host: dial tcp4 127.0.0.1:%s: connect: connection refused\n",
		syscall.EPERM, openFiles, openFiles, port)
	if got := out.String(); got != want || c.ExitCode() != 0 || heard.Load() != 0 {
		t.Errorf("inside the container (exit %d, %d requests heard):\n%s\nwant:\n%s", c.ExitCode(), heard.Load(), got, want)
	}
	dir := t.TempDir()
	data, err := os.ReadFile(c.Bundle + "/rootfs/app/confined")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dir+"/confined", data, 0o755)
	cmd := exec.Command(dir + "/confined")
	cmd.Env = append(os.Environ(), "TMPDIR="+dir, "HOST_ONLY=127.0.0.1:"+port)
	host, err := cmd.Output()
	if err != nil || strings.Contains(string(host), fmt.Sprintf("keyctl: %d\n", syscall.EPERM)) ||
		!strings.Contains(string(host), "exec from the temporary folder: <nil>\n") || !strings.Contains(string(host), "dial the host: <nil>\n") {
		t.Errorf("the same program on the host = %v:\n%s\nwant keyctl allowed, exec allowed and the host service reached", err, host)
	}
}

// This test's own process is in this machine's network namespace: the
// check that a container is not must say so.
func TestOwnNetworkCatchesTheHosts(t *testing.T) {
	needLinux(t)
	if err := ownNetwork(os.Getpid()); err == nil || !strings.Contains(err.Error(), "shares this machine's network namespace") {
		t.Errorf("ownNetwork(this process) = %v, want a shared-namespace error", err)
	}
}
