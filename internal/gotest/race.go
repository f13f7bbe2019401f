package gotest

import (
	"context"
	"os/exec"
	"strings"
)

// RaceSupported says whether go test -race can work here: it needs cgo and
// a C compiler. When it cannot, why says what to install.
func RaceSupported(ctx context.Context, dir string) (ok bool, why string) {
	cmd := exec.CommandContext(ctx, "go", "env", "CGO_ENABLED", "CC")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return false, "go env failed: " + err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 || lines[0] != "1" {
		return false, "cgo is off (CGO_ENABLED=0 or no C compiler found); on Debian: apt-get install gcc"
	}
	cc := strings.Fields(lines[1])
	if len(cc) == 0 {
		return false, "no C compiler configured (go env CC is empty); on Debian: apt-get install gcc"
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		return false, "the C compiler " + cc[0] + " is not on PATH; on Debian: apt-get install gcc"
	}
	return true, ""
}
