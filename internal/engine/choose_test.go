package engine

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakePath makes PATH a folder holding only the programs named.
func fakePath(t *testing.T, programs ...string) {
	t.Helper()
	dir := t.TempDir()
	for _, p := range programs {
		if runtime.GOOS == "windows" {
			p += ".exe"
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
}

func TestChoose(t *testing.T) {
	tests := []struct {
		name     string
		want     string // ENGINE
		goos     string
		root     bool
		programs []string
		engine   string // chosen; "" for an error
		why      string // in the reason or the error
	}{
		{"root with runc", "", "linux", true, []string{"runc", "docker", "podman"}, Runc, "root on Linux with runc installed"},
		{"not root", "", "linux", false, []string{"runc", "docker", "podman"}, Docker, "not root, so not runc"},
		{"no runc", "", "linux", true, []string{"docker"}, Docker, "runc is not installed"},
		{"macOS", "", "darwin", false, []string{"runc", "docker"}, Docker, "runc needs Linux"},
		{"podman only", "", "linux", false, []string{"runc", "podman"}, Podman, "not root, docker is not installed, so not runc"},
		{"windows podman", "", "windows", false, []string{"podman"}, Podman, "runc needs Linux"},
		{"none", "", "linux", false, []string{"runc"}, "", "no container engine"},
		{"none at all", "", "darwin", true, nil, "", "install Docker"},
		{"ENGINE=podman", "podman", "linux", true, []string{"runc", "docker", "podman"}, Podman, "ENGINE=podman"},
		{"ENGINE=docker", "docker", "linux", true, []string{"runc", "docker"}, Docker, "ENGINE=docker"},
		{"ENGINE=runc", "runc", "linux", true, []string{"runc", "docker"}, Runc, "ENGINE=runc"},
		{"ENGINE=runc not root", "runc", "linux", false, []string{"runc", "docker"}, "", "ENGINE=runc, but not root"},
		{"ENGINE=runc on macOS", "runc", "darwin", true, []string{"runc"}, "", "ENGINE=runc, but runc needs Linux"},
		{"ENGINE=docker missing", "docker", "linux", false, []string{"podman"}, "", "ENGINE=docker, but docker is not installed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakePath(t, tt.programs...)
			got, err := Choose(tt.want, Host{GOOS: tt.goos, Root: tt.root, LookPath: exec.LookPath})
			if tt.engine == "" {
				if err == nil || !strings.Contains(err.Error(), tt.why) {
					t.Fatalf("Choose(%q) = %v, %v; want an error saying %q", tt.want, got, err, tt.why)
				}
				return
			}
			if err != nil || got.Name != tt.engine || !strings.Contains(got.String(), tt.why) || !strings.HasPrefix(filepath.Base(got.Path), tt.engine) {
				t.Fatalf("Choose(%q) = %v (path %q), %v; want %s because %q", tt.want, got, got.Path, err, tt.engine, tt.why)
			}
			if !strings.HasPrefix(got.String(), "engine: "+tt.engine+" (") {
				t.Errorf("Choice.String() = %q, want it to start with the engine", got)
			}
		})
	}
	if _, err := Choose("", Host{GOOS: "plan9", LookPath: func(string) (string, error) { return "", exec.ErrNotFound }}); !errors.Is(err, ErrNoEngine) {
		t.Errorf("Choose(nothing installed) = %v, want ErrNoEngine", err)
	}
}

// A docker that is Podman's (podman-docker) is chosen as Podman, whose
// flags and formats it needs; Docker's own stays Docker.
func TestChooseDockerThatIsPodman(t *testing.T) {
	tests := []struct {
		name, want, says string // ENGINE; what docker --version prints
		engine, why      string
	}{
		{"podman-docker", "", "podman version 4.3.1\n", Podman, "runc is not installed, so not runc; ENGINE=runc|docker|podman chooses; its docker is Podman's"},
		{"ENGINE=docker, podman-docker", Docker, "podman version 5.2.0\n", Podman, "ENGINE=docker; its docker is Podman's"},
		{"Docker", "", "Docker version 28.2.2, build e6534b4\n", Docker, "runc is not installed, so not runc; ENGINE=runc|docker|podman chooses"},
		{"ENGINE=docker, Docker", Docker, "Docker version 28.2.2, build e6534b4\n", Docker, "ENGINE=docker"},
		{"says nothing", "", "", Docker, "runc is not installed, so not runc; ENGINE=runc|docker|podman chooses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Host{GOOS: "linux", LookPath: func(name string) (string, error) {
				if name == Docker {
					return "/usr/bin/docker", nil
				}
				return "", exec.ErrNotFound
			}, Version: func(path string) string {
				if path != "/usr/bin/docker" {
					t.Errorf("Version(%q), want it asked of /usr/bin/docker", path)
				}
				return tt.says
			}}
			got, err := Choose(tt.want, h)
			if err != nil || got.Name != tt.engine || got.Path != "/usr/bin/docker" || got.Why != tt.why {
				t.Errorf("Choose(%q) with docker saying %q = %+v, %v; want %s at /usr/bin/docker because %q", tt.want, tt.says, got, err, tt.engine, tt.why)
			}
		})
	}
}
