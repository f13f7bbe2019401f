//go:build unix

package container

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/testdist"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// mageRun is `go tool mage run` as a user starts it from the checkout, on
// a port of its own, serving serviceImage from a dist/oci in a folder of
// its own (mage -w), so that the checkout's dist/ is not touched.
type mageRun struct {
	cmd    *exec.Cmd
	url    string
	id     string // the container's
	stderr *testenv.Buffer
	exited chan struct{}
}

// startMageRun starts `go tool mage run`, prefixed by wrap (such as
// prlimit and its flags), with TMPDIR set to tmp, and returns once the URL
// is printed. Whatever happens to the test, the run is stopped after it as
// Ctrl-C would: SIGTERM to the target. The run's bundle is made in tmp, a
// folder of the test's own, so that no other run on the machine (another
// package's tests, another checkout's run) sweeps a bundle the test means
// its own next run to find.
func startMageRun(t *testing.T, tmp string, wrap ...string) *mageRun {
	t.Helper()
	needRunc(t)
	if testing.Short() {
		t.Skip("starts `go tool mage run`: slow")
	}
	work := t.TempDir()
	if err := ocilayout.Write(testdist.Build(t, "../..").Index(t), ocilayout.Outputs{Layout: filepath.Join(work, "dist", "oci")}, ""); err != nil {
		t.Fatal(err)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	args := slices.Concat(wrap, []string{"go", "tool", "mage", "-w", work, "run"})
	r := &mageRun{cmd: exec.Command(args[0], args[1:]...), stderr: &testenv.Buffer{}, exited: make(chan struct{})}
	r.cmd.Dir = "../.."
	r.cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "TMPDIR="+tmp)
	r.cmd.Stderr = r.stderr
	r.cmd.WaitDelay = 30 * time.Second
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.cmd.Wait(); close(r.exited) }()
	t.Cleanup(func() {
		if pid := r.target(); pid > 0 {
			syscall.Kill(pid, syscall.SIGTERM)
		}
		select {
		case <-r.exited:
		case <-time.After(time.Minute):
			r.cmd.Process.Kill()
			t.Errorf("go tool mage run still running a minute after SIGTERM\n%s", r.stderr)
		}
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		r.url = strings.TrimSpace(line)
	case <-time.After(5 * time.Minute):
	}
	var m []string // the log line comes through a pipe of its own
	waitFor(5*time.Second, func() bool { m = healthyLine.FindStringSubmatch(r.stderr.String()); return m != nil })
	if !strings.HasPrefix(r.url, "http://127.0.0.1:") || m == nil {
		t.Fatalf("go tool mage run printed %q, want a URL and a healthy container\n%s", r.url, r.stderr)
	}
	r.id = m[1]
	return r
}

// tree is pid and every process under it, parents first.
func tree(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := procStat(p); ok {
			children[pp.ppid] = append(children[pp.ppid], p)
		}
	}
	all := []int{pid}
	for i := 0; i < len(all); i++ {
		all = append(all, children[all[i]]...)
	}
	return all
}

type stat struct {
	comm  string
	state byte
	ppid  int
}

// procStat is what /proc/PID/stat says of a process; false if it is gone.
func procStat(pid int) (stat, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, false
	}
	s := string(data)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < 0 || end+4 > len(s) {
		return stat{}, false
	}
	var st stat
	st.comm, st.state = s[open+1:end], s[end+2]
	fmt.Sscan(s[end+4:], &st.ppid)
	return st, true
}

// alive says whether pid is a process that has not exited.
func alive(pid int) bool {
	st, ok := procStat(pid)
	return ok && st.state != 'Z' && st.state != 'X'
}

// target is the compiled magefile running the target: runc's parent.
func (r *mageRun) target() int {
	for _, p := range tree(r.cmd.Process.Pid) {
		if st, ok := procStat(p); ok && st.comm == "runc" && alive(p) {
			return st.ppid
		}
	}
	return 0
}

// healthOf is the status of GET /health, or the error.
func healthOf(url string) error {
	res, err := (&http.Client{Timeout: time.Second}).Get(url + "/health")
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// count is how many entries /proc/PID/what holds (fd, task).
func count(pid int, what string) int {
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/%s", pid, what))
	return len(entries)
}
