// Package engine runs the image the way users already run containers:
// with runc as root on Linux (internal/container), else with Docker or
// Podman through their command-line clients. It chooses the engine, loads
// dist/image.tar into Docker or Podman, starts it confined, serves it until
// Ctrl-C (Serve) or holds it to the service contract (Smoke).
//
// The clients rather than Docker's Go SDK: the SDK would add its module
// tree (moby, containerd's API, otel, grpc) to every compile of the
// magefile for two targets, could not speak to Podman without a second
// socket set-up, and needs API version negotiation that the docker CLI a
// user has already does; the clients also read the user's own contexts
// (DOCKER_HOST, docker context, podman machine), so run goes where the
// user's `docker run` would.
package engine

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// The engines, as ENGINE names them.
const (
	Runc   = "runc"
	Docker = "docker"
	Podman = "podman"
)

// Host is what the choice depends on.
type Host struct {
	GOOS     string
	Root     bool
	LookPath func(string) (string, error)
	// Version is what the client at path says it is, asked --version;
	// nil when the client is taken at its name.
	Version func(path string) string
}

// ThisHost is this machine: its OS, whether this process is root,
// exec.LookPath on its PATH, and its clients' own --version.
func ThisHost() Host {
	return Host{GOOS: runtime.GOOS, Root: os.Geteuid() == 0, LookPath: exec.LookPath, Version: clientVersion}
}

// clientVersion is what the client at path prints for --version.
func clientVersion(path string) string {
	out, _ := exec.Command(path, "--version").Output()
	return string(out)
}

// engine is the engine whose client, called name, is at path: a docker
// that is Podman's (podman-docker, as Fedora and RHEL install it) is
// Podman, which needs its own flags and reads its own formats; why then
// says so.
func (h Host) engine(name, path string) (e Engine, why string) {
	if name == Docker && h.Version != nil && strings.HasPrefix(strings.ToLower(h.Version(path)), Podman) {
		return Engine{Name: Podman, Path: path}, "; its docker is Podman's"
	}
	return Engine{Name: name, Path: path}, ""
}

// Choice is the engine chosen and why.
type Choice struct {
	Engine
	Why string
}

// String is the line run and smoke start with: "engine: docker (not root,
// so not runc; ENGINE=runc|docker|podman chooses)".
func (c Choice) String() string { return fmt.Sprintf("engine: %s (%s)", c.Name, c.Why) }

// ErrNoEngine is why run and smoke cannot start a container here.
var ErrNoEngine = errors.New("no container engine: install Docker (Docker Desktop on macOS and Windows) or Podman, or run as root on Linux with runc installed")

// Choose picks the engine: want when it is set (runc, docker or podman,
// as ENGINE says), else runc on Linux as root when it is installed, else
// docker, else podman.
func Choose(want string, h Host) (Choice, error) {
	if want != "" {
		if want == Runc {
			if why := notRunc(h); why != "" {
				return Choice{}, fmt.Errorf("ENGINE=runc, but %s", why)
			}
		}
		path, err := h.LookPath(want)
		if err != nil {
			return Choice{}, fmt.Errorf("ENGINE=%s, but %s is not installed (or not on PATH)", want, want)
		}
		e, why := h.engine(want, path)
		return Choice{e, "ENGINE=" + want + why}, nil
	}
	why := notRunc(h)
	if why == "" {
		path, _ := h.LookPath(Runc)
		return Choice{Engine{Name: Runc, Path: path}, "root on Linux with runc installed; ENGINE=runc|docker|podman chooses"}, nil
	}
	for _, name := range []string{Docker, Podman} {
		if path, err := h.LookPath(name); err == nil {
			e, its := h.engine(name, path)
			return Choice{e, why + ", so not runc; ENGINE=runc|docker|podman chooses" + its}, nil
		}
		why += ", " + name + " is not installed"
	}
	return Choice{}, ErrNoEngine
}

// notRunc says why runc cannot run the container here; "" when it can.
func notRunc(h Host) string {
	switch _, err := h.LookPath(Runc); {
	case h.GOOS != "linux":
		return "runc needs Linux"
	case err != nil:
		return "runc is not installed"
	case !h.Root:
		return "not root"
	}
	return ""
}
