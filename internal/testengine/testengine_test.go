//go:build linux

package testengine

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	RemoveDist()
	os.Exit(code)
}

// A container left running when the test ends is stopped with its daemon
// (or by podman rm): nothing of the engine's stays on the machine, and the
// folders go.
func TestNothingLeft(t *testing.T) {
	local := Dist(t, "../..")
	for _, start := range []func(testing.TB) (string, []string){docker, podman} {
		var dir string
		t.Run("", func(t *testing.T) {
			path, args := start(t)
			dir = folderOf(args)
			for _, a := range [][]string{{"load", "--quiet", "--input", local.Tarball}, {"run", "--detach", "--pull", "never", "--read-only", "--no-healthcheck",
				"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=512:512", Tag}} {
				if out, err := exec.Command(path, append(slices.Clone(args), a...)...).CombinedOutput(); err != nil {
					t.Fatalf("%s %s: %v: %s", path, a[0], err, out)
				}
			}
			if len(Processes(dir)) == 0 {
				t.Errorf("Processes(%s) = none while the engine runs a container, want its shim or conmon", dir)
			}
		})
		if left := Processes(dir); len(left) > 0 {
			t.Errorf("Processes(%s) = %v after the test, want none", dir, left)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("Stat(%s) after the test = %v, want it gone", dir, err)
		}
	}
}

func docker(t testing.TB) (string, []string) { e := Docker(t); return e.Path, e.Args }
func podman(t testing.TB) (string, []string) { e := Podman(t); return e.Path, e.Args }

// folderOf is the test's own folder, from the engine's flags.
func folderOf(args []string) string {
	for i, a := range args {
		if a == "--host" || a == "--root" {
			return filepath.Dir(strings.TrimPrefix(args[i+1], "unix://"))
		}
	}
	return ""
}
