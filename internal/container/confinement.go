package container

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/lehus1/devops-info-service-go/internal/contract"
)

// confinement holds the running container, first process pid, to what
// Spec confines it with, each seen from this machine's side (its /proc and
// cgroups), and has a process in it try to reach the host.
func confinement(ctx context.Context, c *Container, pid int, check func(string, error)) {
	check("own network namespace", ownNetwork(pid))
	check("a process in the container cannot reach 127.0.0.1 on the host", cannotReachHost(ctx, c))
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	check("seccomp filter on", procField(status, err, "Seccomp", "", "2"))
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	check(fmt.Sprintf("at most %d open files", openFiles), openFilesLimit(limits, err, openFiles))
	cgroups, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	check(fmt.Sprintf("at most %d processes", pidsLimit), pidsMax(cgroups, err, pidsLimit))
	mounts, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	check("/tmp mounted noexec, nosuid, nodev", mountedWith(mounts, err, "/tmp", "noexec", "nosuid", "nodev"))
}

// ownNetwork checks that process pid is not in this machine's network
// namespace.
func ownNetwork(pid int) error {
	theirs, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return err
	}
	// This thread's: the process's first thread may be dialling into a
	// container at this moment.
	ours, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		return err
	}
	if theirs == ours {
		return fmt.Errorf("it shares this machine's network namespace, %s", ours)
	}
	return nil
}

// cannotReachHost has the image's own binary probe, from inside the
// container, a service that listens on this machine's 127.0.0.1 only and
// answers healthy: the probe must fail and the service hear nothing. The
// same probe of the container's own port must pass, or the first proves
// nothing.
func cannotReachHost(ctx context.Context, c *Container) error {
	h, err := listenHostOnly()
	if err != nil {
		return err
	}
	defer h.Close()
	probe := append(slices.Clone(c.spec.Process.Args[:1]), "healthcheck")
	if out, err := c.Exec(ctx, []string{"HOST=127.0.0.1", "PORT=" + strconv.Itoa(contract.Port)}, probe...); err != nil {
		return fmt.Errorf("%s on the container's own port %d: %v: %s", strings.Join(probe, " "), contract.Port, err, lastLine(string(out)))
	}
	out, err := c.Exec(ctx, []string{"HOST=127.0.0.1", "PORT=" + h.port}, probe...)
	if err == nil || h.heard.Load() > 0 {
		return fmt.Errorf("%s reached 127.0.0.1:%s on the host (%d requests): %s", strings.Join(probe, " "), h.port, h.heard.Load(), lastLine(string(out)))
	}
	return nil
}

// hostOnly is a service on this machine's 127.0.0.1 only, which answers
// every request as a healthy /health does and counts them.
type hostOnly struct {
	srv   *http.Server
	port  string
	heard atomic.Int32
}

func listenHostOnly() (*hostOnly, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &hostOnly{port: strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)}
	h.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.heard.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status": "healthy"}`)
	})}
	go h.srv.Serve(ln)
	return h, nil
}

func (h *hostOnly) Close() error { return h.srv.Close() }

// openFilesLimit checks /proc/PID/limits: soft and hard "Max open files"
// both want.
func openFilesLimit(limits []byte, err error, want int) error {
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(limits), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(rest)
			if len(f) < 2 || f[0] != strconv.Itoa(want) || f[1] != strconv.Itoa(want) {
				return fmt.Errorf("open files limited to%s, want %d and %d", strings.TrimRight(rest, " "), want, want)
			}
			return nil
		}
	}
	return fmt.Errorf("no Max open files line in the process limits")
}

// pidsMax checks the pids.max of the cgroup that /proc/PID/cgroup names,
// in the pids hierarchy of cgroup v1 or else in cgroup v2's.
func pidsMax(cgroups []byte, err error, want int) error {
	if err != nil {
		return err
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	dir, err := pidsCgroup(cgroups, mounts)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(dir, "pids.max"))
	if err != nil {
		return err
	}
	if got := strings.TrimSpace(string(data)); got != strconv.Itoa(want) {
		return fmt.Errorf("%s is %s, want %d", filepath.Join(dir, "pids.max"), got, want)
	}
	return nil
}

// pidsCgroup is the folder of the pids cgroup that /proc/PID/cgroup names,
// found through this machine's /proc/self/mountinfo.
func pidsCgroup(cgroups, mountinfo []byte) (string, error) {
	var v1, v2 string
	for _, line := range strings.Split(string(cgroups), "\n") {
		f := strings.SplitN(line, ":", 3)
		switch {
		case len(f) < 3:
		case slices.Contains(strings.Split(f[1], ","), "pids"):
			v1 = f[2]
		case f[0] == "0" && f[1] == "":
			v2 = f[2]
		}
	}
	for _, line := range strings.Split(string(mountinfo), "\n") {
		mount, fs, ok := strings.Cut(line, " - ")
		m, s := strings.Fields(mount), strings.Fields(fs)
		if !ok || len(m) < 5 || len(s) < 3 {
			continue
		}
		root, point := m[3], m[4]
		switch {
		case v1 != "" && s[0] == "cgroup" && slices.Contains(strings.Split(s[2], ","), "pids"):
			return filepath.Join(point, strings.TrimPrefix(v1, root)), nil
		case v1 == "" && v2 != "" && s[0] == "cgroup2":
			return filepath.Join(point, strings.TrimPrefix(v2, root)), nil
		}
	}
	return "", fmt.Errorf("no pids cgroup for the process (%q)", strings.TrimSpace(string(cgroups)))
}

// mountedWith checks that mountinfo mounts point with every one of opts;
// of mounts on the same point, the last is the one seen.
func mountedWith(mountinfo []byte, err error, point string, opts ...string) error {
	if err != nil {
		return err
	}
	var have string
	for _, line := range strings.Split(string(mountinfo), "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[4] == point {
			have = f[5]
		}
	}
	if have == "" {
		return fmt.Errorf("no %s in mountinfo", point)
	}
	for _, o := range opts {
		if !slices.Contains(strings.Split(have, ","), o) {
			return fmt.Errorf("%s mounted %s, want %s", point, have, strings.Join(opts, ","))
		}
	}
	return nil
}
