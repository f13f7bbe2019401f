package container

import (
	"os"
	"syscall"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// dieWithParent asks the kernel for SIGTERM when the parent process exits.
func dieWithParent() {
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
}

// runcAttr puts runc in a process group of its own and has the kernel send
// it SIGTERM should the thread that started it end: runc passes the signal
// on to the container, which stops, and runc deletes it. The caller keeps
// that thread for as long as runc runs (runtime.LockOSThread), so only the
// death of this process ends it early.
func runcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// ownGroup puts a short runc command in a process group of its own.
func ownGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// lockFile takes an exclusive lock on f, or fails at once (EWOULDBLOCK)
// when another open file holds it. The kernel lets go of it when the last
// descriptor of f closes, whichever way its process ends.
func lockFile(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) }

// seccompFilter is Docker's default seccomp profile (moby/profiles), for
// spec's capabilities and this machine's architecture and kernel.
func seccompFilter(spec *specs.Spec) (*specs.LinuxSeccomp, error) {
	return seccomp.GetDefaultProfile(spec)
}
