package container

import (
	"runtime"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
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
