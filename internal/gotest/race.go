package gotest

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Race says whether to test with the race detector: yes wherever it can
// run. Where it cannot, that is an error when required (as in CI), and
// otherwise a warning to warn saying why, and no.
func Race(ctx context.Context, dir string, required bool, warn io.Writer) (bool, error) {
	ok, why := RaceSupported(ctx, dir)
	switch {
	case ok:
		return true, nil
	case required:
		return false, fmt.Errorf("the race detector cannot run: %s", why)
	}
	fmt.Fprintf(warn, "WARNING: testing WITHOUT the race detector: %s\n", why)
	return false, nil
}

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
