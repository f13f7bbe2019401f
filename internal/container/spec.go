package container

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Spec is the OCI runtime spec that runs the image's config from rootfs:
// its entrypoint, user, working folder and environment (env overriding),
// confined: a read-only root, no capabilities, no new privileges, the
// seccomp filter Docker applies by default (Linux only), its own network
// namespace with only a loopback interface (WithPublish reaches it from
// the host), at most pidsLimit processes and openFiles open files, and a
// writable /tmp from which nothing runs.
func Spec(cf *v1.ConfigFile, rootfs string, env []string) (*specs.Spec, error) {
	args := append(append([]string{}, cf.Config.Entrypoint...), cf.Config.Cmd...)
	if len(args) == 0 {
		return nil, fmt.Errorf("the image has no entrypoint or command")
	}
	uid, gid, err := user(cf.Config.User, rootfs)
	if err != nil {
		return nil, err
	}
	cwd := cf.Config.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	spec := &specs.Spec{
		// runc 1.1 (Debian 12) speaks 1.0.2; nothing here needs later.
		Version:  "1.0.2",
		Root:     &specs.Root{Path: rootfs, Readonly: true},
		Hostname: "devops-info-service",
		Process: &specs.Process{
			User:            specs.User{UID: uid, GID: gid},
			Args:            args,
			Env:             mergeEnv(cf.Config.Env, env),
			Cwd:             cwd,
			NoNewPrivileges: true,
			Capabilities:    &specs.LinuxCapabilities{},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: openFiles, Soft: openFiles}},
		},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "noexec", "mode=1777", "size=65536k"}},
		},
		Linux: &specs.Linux{
			// A new network namespace: runc brings up its lo and nothing else.
			Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace}},
			Resources: &specs.LinuxResources{
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
				Pids:    &specs.LinuxPids{Limit: new(int64(pidsLimit))},
			},
			MaskedPaths: []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
				"/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
	// Last: the default profile allows what the capabilities above allow.
	if spec.Linux.Seccomp, err = seccompFilter(spec); err != nil {
		return nil, fmt.Errorf("making the seccomp filter: %w", err)
	}
	return spec, nil
}

// The container's limits. The service is one Go process: its threads
// number about the host's CPUs plus a few, and it holds at most 1024
// connections (app/server.go) and a handful of files.
const (
	pidsLimit = 512
	openFiles = 4096
)

// The limits a container gets, under runc as under Docker or Podman.
const (
	// OpenFiles is the most files the service may hold open.
	OpenFiles = openFiles
	// Processes is the most processes (threads) its cgroup may hold.
	Processes = pidsLimit
)

// mergeEnv is base with each of extra's keys set to extra's value.
func mergeEnv(base, extra []string) []string {
	out := append([]string{}, base...)
	for _, kv := range extra {
		k, _, _ := strings.Cut(kv, "=")
		i := -1
		for j, b := range out {
			if bk, _, _ := strings.Cut(b, "="); bk == k {
				i = j
			}
		}
		if i >= 0 {
			out[i] = kv
		} else {
			out = append(out, kv)
		}
	}
	return out
}

// user reads the config's "uid:gid", "name" or "name:group" against the
// image's own /etc/passwd and /etc/group.
func user(s, rootfs string) (uint32, uint32, error) {
	if s == "" {
		return 0, 0, nil
	}
	root, err := os.OpenRoot(rootfs)
	if err != nil {
		return 0, 0, fmt.Errorf("image user %q: %w", s, err)
	}
	defer root.Close()
	u, g, hasGroup := strings.Cut(s, ":")
	uid, gid, err := lookup(u, root, "etc/passwd")
	if err != nil {
		return 0, 0, fmt.Errorf("image user %q: %w", s, err)
	}
	if hasGroup {
		if gid, _, err = lookup(g, root, "etc/group"); err != nil {
			return 0, 0, fmt.Errorf("image user %q: %w", s, err)
		}
	}
	return uid, gid, nil
}

// lookup turns a name into its id (and, for passwd, primary group) from a
// colon-separated database in the image; a number is taken as it is. The
// file is opened through root: an image's /etc/passwd that links to a host
// file must not decide who the container runs as.
func lookup(name string, root *os.Root, db string) (id, group uint32, err error) {
	if n, err := strconv.ParseUint(name, 10, 32); err == nil {
		return uint32(n), uint32(n), nil
	}
	f, err := root.Open(db)
	if err != nil {
		return 0, 0, fmt.Errorf("no %s to look %q up in", filepath.Base(db), name)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 || fields[0] != name {
			continue
		}
		n, err := strconv.ParseUint(fields[2], 10, 32)
		if err != nil {
			break
		}
		g := n
		if len(fields) > 3 {
			if pg, err := strconv.ParseUint(fields[3], 10, 32); err == nil {
				g = pg
			}
		}
		return uint32(n), uint32(g), nil
	}
	return 0, 0, fmt.Errorf("%q is not in %s", name, filepath.Base(db))
}
