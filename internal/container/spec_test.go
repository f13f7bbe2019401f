package container

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// checkConfinement holds spec to the confinement Spec promises.
func checkConfinement(t *testing.T, spec *specs.Spec) {
	t.Helper()
	if !slices.ContainsFunc(spec.Linux.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Type == specs.NetworkNamespace && ns.Path == "" }) {
		t.Errorf("Spec() namespaces = %v, want a new network namespace", spec.Linux.Namespaces)
	}
	if p := spec.Linux.Resources.Pids; p == nil || p.Limit == nil || *p.Limit != pidsLimit {
		t.Errorf("Spec() pids = %v, want a limit of %d", p, pidsLimit)
	}
	if want := []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: openFiles, Soft: openFiles}}; !slices.Equal(spec.Process.Rlimits, want) {
		t.Errorf("Spec() rlimits = %v, want %v", spec.Process.Rlimits, want)
	}
	i := slices.IndexFunc(spec.Mounts, func(m specs.Mount) bool { return m.Destination == "/tmp" })
	if i < 0 || !slices.Contains(spec.Mounts[i].Options, "noexec") || !slices.Contains(spec.Mounts[i].Options, "nosuid") || !slices.Contains(spec.Mounts[i].Options, "nodev") {
		t.Errorf("Spec() mounts = %v, want /tmp noexec, nosuid, nodev", spec.Mounts)
	}
	if runtime.GOOS != "linux" {
		return
	}
	sc := spec.Linux.Seccomp
	if sc == nil || sc.DefaultAction != specs.ActErrno || !allows(sc, "read") || allows(sc, "mount") || allows(sc, "keyctl") {
		t.Errorf("Spec() seccomp = %+v, want Docker's default: errors unless allowed, read allowed, mount and keyctl not", sc)
	}
}

// allows says whether the filter lets name through.
func allows(sc *specs.LinuxSeccomp, name string) bool {
	return slices.ContainsFunc(sc.Syscalls, func(s specs.LinuxSyscall) bool {
		return s.Action == specs.ActAllow && slices.Contains(s.Names, name)
	})
}

func TestSpec(t *testing.T) {
	rootfs := t.TempDir()
	os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755)
	os.WriteFile(filepath.Join(rootfs, "etc", "passwd"), []byte("root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65533::/home/nonroot:/sbin/nologin\n"), 0o644)
	os.WriteFile(filepath.Join(rootfs, "etc", "group"), []byte("root:x:0:\nstaff:x:50:\n"), 0o644)
	tests := []struct {
		user             string
		wantUID, wantGID uint32
		wantErr          string
	}{
		{"", 0, 0, ""},
		{"65532:65532", 65532, 65532, ""},
		{"1000", 1000, 1000, ""},
		{"nonroot", 65532, 65533, ""},
		{"nonroot:staff", 65532, 50, ""},
		{"ghost", 0, 0, `"ghost" is not in passwd`},
		{"nonroot:ghosts", 0, 0, `"ghosts" is not in group`},
	}
	for _, tt := range tests {
		cf := &v1.ConfigFile{Config: v1.Config{User: tt.user, Entrypoint: []string{"/app/x"}, Cmd: []string{"serve"}, Env: []string{"PATH=/bin", "PORT=8000"}}}
		spec, err := Spec(cf, rootfs, []string{"PORT=9000", "HOST=127.0.0.1"})
		if !testenv.WantErr(t, fmt.Sprintf("Spec(user %q)", tt.user), err, tt.wantErr) {
			continue
		}
		if spec.Process.User.UID != tt.wantUID || spec.Process.User.GID != tt.wantGID {
			t.Errorf("Spec(user %q) = %d:%d, want %d:%d", tt.user, spec.Process.User.UID, spec.Process.User.GID, tt.wantUID, tt.wantGID)
		}
		if got := strings.Join(spec.Process.Env, " "); got != "PATH=/bin PORT=9000 HOST=127.0.0.1" {
			t.Errorf("Spec() env = %q", got)
		}
		if got := strings.Join(spec.Process.Args, " "); got != "/app/x serve" || spec.Process.Cwd != "/" {
			t.Errorf("Spec() args %q cwd %q, want /app/x serve in /", got, spec.Process.Cwd)
		}
		if !spec.Root.Readonly || !spec.Process.NoNewPrivileges || len(spec.Process.Capabilities.Effective) != 0 {
			t.Errorf("Spec() must be read-only, no new privileges, no capabilities")
		}
		checkConfinement(t, spec)
	}
	if _, err := Spec(&v1.ConfigFile{}, rootfs, nil); err == nil {
		t.Errorf("Spec(no entrypoint) = nil error")
	}
}

// The user database is read inside the image: a symlink to a host file
// cannot choose the container's user.
func TestSpecUserLookupStaysInside(t *testing.T) {
	host := filepath.Join(t.TempDir(), "hostsecret")
	os.WriteFile(host, []byte("svc:x:4242:4343::/:/bin/sh\n"), 0o644)
	rootfs := t.TempDir()
	os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755)
	os.Symlink(host, filepath.Join(rootfs, "etc", "passwd"))
	cf := &v1.ConfigFile{Config: v1.Config{User: "svc", Entrypoint: []string{"/x"}}}
	if spec, err := Spec(cf, rootfs, nil); err == nil {
		t.Errorf("Spec(passwd linked to a host file) ran as %d:%d, want an error", spec.Process.User.UID, spec.Process.User.GID)
	}
}
