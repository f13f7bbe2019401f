package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// A daemon that is not running is one line that says so and how to start
// it; nothing else runs.
func TestPingNotRunning(t *testing.T) {
	for _, name := range []string{Docker, Podman} {
		t.Run(name, func(t *testing.T) {
			path := testenv.MustHaveExec(t, name, "apt-get install "+map[string]string{Docker: "docker.io", Podman: "podman"}[name])
			sock := "unix://" + filepath.Join(t.TempDir(), "none.sock")
			args := []string{"--host", sock}
			if name == Podman {
				args = []string{"--remote", "--url", sock}
			}
			err := Engine{Name: name, Path: path, Args: args}.Ping(context.Background())
			t.Logf("Ping(no daemon) = %v", err)
			if err == nil || !strings.Contains(err.Error(), "the "+name+" engine is not running or not reachable") ||
				!strings.Contains(err.Error(), "ENGINE=") || strings.Contains(err.Error(), "\n") {
				t.Errorf("Ping(no daemon) = %v, want one line saying it is not running", err)
			}
		})
	}
}

// The reason is the line that starts the client's error, wherever its
// body ends.
func TestReason(t *testing.T) {
	for _, tt := range []struct{ stderr, want string }{
		{"docker: Error response from daemon: Conflict. The container name is in use.\n\nRun 'docker run --help' for more information\n",
			"docker: Error response from daemon: Conflict. The container name is in use."},
		{"Error: unable to connect to Podman socket: ping response was 404\n", "Error: unable to connect to Podman socket: ping response was 404"},
		{"Error response from daemon: <!DOCTYPE HTML>\n<html lang=\"en\">\n<body><p>Error code: 404</p></body>\n</html>\n",
			"Error response from daemon: <!DOCTYPE HTML>"},
		{"Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?\n",
			"Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?"},
		{"unknown flag: --pull\nSee 'docker run --help'.\n", "unknown flag: --pull"},
		{"", ""},
	} {
		if got := reason(tt.stderr); got != tt.want {
			t.Errorf("reason(%q) = %q, want %q", tt.stderr, got, tt.want)
		}
	}
}

// Without each flag, smoke's checks fail: they read what the engine says.
func TestConfinementFailsWithoutFlags(t *testing.T) {
	var names, failed []string
	confinement(inspected{}, process{}, func(name string, err error) {
		names = append(names, name)
		if err != nil {
			failed = append(failed, name)
		}
	})
	if len(names) == 0 || len(failed) != len(names) {
		t.Errorf("confinement(no flags) failed %q of %q, want every check to fail", failed, names)
	}
	var in inspected
	in.HostConfig.SecurityOpt = []string{"no-new-privileges", "seccomp=unconfined"}
	in.HostConfig.PortBindings = map[string][]struct{ HostIp, HostPort string }{"8000/tcp": {{HostIp: "0.0.0.0", HostPort: "8000"}}}
	in.HostConfig.Tmpfs = map[string]string{"/tmp": "rw,nosuid,nodev"}
	checks := map[string]error{}
	confinement(in, process{engineSeccomp: true}, func(name string, err error) { checks[name] = err })
	for _, name := range []string{"seccomp filter on (the engine's default profile)", "published on 127.0.0.1 only", "/tmp mounted noexec, nosuid, nodev"} {
		if checks[name] == nil {
			t.Errorf("confinement(%+v): %q passed, want it to fail", in.HostConfig, name)
		}
	}
	if checks["no new privileges"] != nil {
		t.Errorf("confinement(no-new-privileges set): %v, want it to pass", checks["no new privileges"])
	}
}

// run never pulls, and asks for every flag smoke checks, and for what
// Podman needs, whichever client speaks to it.
func TestRunArgs(t *testing.T) {
	got := strings.Join(runArgs("c", "img:1", 8123), " ")
	for _, want := range []string{"--pull never", "--cap-drop ALL", "--security-opt no-new-privileges", "--pids-limit 512",
		"--ulimit nofile=4096:4096", "--tmpfs /tmp:rw,noexec,nosuid,nodev", "--read-only", "--publish 127.0.0.1:8123:8000",
		"--ulimit nproc=512:512", "--no-healthcheck"} {
		if !strings.Contains(got, want) {
			t.Errorf("runArgs() = %q, want %q", got, want)
		}
	}
	if !strings.HasSuffix(got, " img:1") {
		t.Errorf("runArgs() = %q, want the image last", got)
	}
}

// A client that refuses run's flags, or a port taken, is one line that
// says how to fix it: the user's PORT, or, for a port picked as free
// (smoke's, dev's), trying again.
func TestRunRefused(t *testing.T) {
	testenv.SkipOnWindows(t, "a shell script stands in for the client")
	for _, tt := range []struct{ engine, stderr, taken, want string }{
		{Docker, "unknown flag: --pull\nSee 'docker run --help'.", setPort, "docker run: unknown flag: --pull; this docker is older than run needs: update it"},
		{Podman, "Error: unknown flag: --no-healthcheck\nSee 'podman run --help'", setPort, "podman run: Error: unknown flag: --no-healthcheck; this podman is older than run needs"},
		{Docker, "docker: Error response from daemon: driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:8123 failed: port is already allocated.\n\nRun 'docker run --help' for more information",
			setPort, "port is already allocated.; set PORT to a free one"},
		{Podman, "Error: cannot listen on the TCP port: listen tcp4 127.0.0.1:8123: bind: address already in use", setPort, "address already in use; set PORT to a free one"},
		{Podman, "Error: cannot listen on the TCP port: listen tcp4 127.0.0.1:8123: bind: address already in use", tryAgain, "address already in use; it was free a moment before: try again"},
	} {
		e := Engine{Name: tt.engine, Path: "/bin/sh", Args: []string{"-c", `echo "$0" >&2; exit 125`, tt.stderr}}
		c, err := e.run(context.Background(), "c", "img:1", 8123, tt.taken)
		if c == nil || err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("run() with %s saying %q = %v, want one line with %q", tt.engine, tt.stderr, err, tt.want)
		}
	}
}

// A missing or damaged tarball says what to run.
func TestLocalTag(t *testing.T) {
	dir := t.TempDir()
	if _, err := Dist(dir).tag(); err == nil || !strings.Contains(err.Error(), "run `go tool mage build` first") {
		t.Errorf("tag(no dist/image.tar) = %v, want it to say to build first", err)
	}
	os.MkdirAll(filepath.Join(dir, "dist"), 0o755)
	os.WriteFile(Dist(dir).Tarball, []byte("not a tar"), 0o644)
	if _, err := Dist(dir).tag(); err == nil || !strings.Contains(err.Error(), "reading") {
		t.Errorf("tag(damaged dist/image.tar) = %v, want a reading error", err)
	}
	if _, err := Dist(dir).Image(); err == nil {
		t.Errorf("Image(no dist/oci) = nil error, want one")
	}
}
