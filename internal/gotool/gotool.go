// Package gotool runs a command of this module with `go tool`, which
// compiles it on first use and caches it, so that what only one target
// needs (Sigstore's libraries, for push and verify) is not compiled into
// the magefile and paid for by every command. The command's error comes
// back as the target's own: the same one line, the same exit status.
// Output runs the go command itself for what it prints (go env, go list).
package gotool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// reportEnv tells a command that Run started it, so that it hands its
// error back rather than printing it.
const reportEnv = "GOTOOL_REPORT_ERROR"

// goCmd is the go command; tests put a stand-in there.
var goCmd = "go"

// Run runs `go tool name args...` in the current folder, with this
// process's environment and stdin, its output to stdout and stderr. When
// the command fails, Run returns the error it reported with Exit.
func Run(ctx context.Context, stdout, stderr io.Writer, name string, args ...string) error {
	return goRun(ctx, stdout, stderr, append([]string{"tool", name}, args...))
}

// RunPackage is Run for a main package of this module that go.mod's tool
// block does not name, such as "./internal/vulncheck/cmd/vulncheck": `go
// run pkg args...`, which Go caches as it caches tools. A new tool line
// would change go.mod, which is in the service's module hash, and so the
// bytes of every binary build makes.
func RunPackage(ctx context.Context, stdout, stderr io.Writer, pkg string, args ...string) error {
	return goRun(ctx, stdout, stderr, append([]string{"run", pkg}, args...))
}

// Output runs the go command with args in dir and returns what it printed
// on stdout; its error ends with what go said on stderr.
func Output(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// Goflags is GOFLAGS as the user set them, in the environment or with
// `go env -w` (go env's answer, trimmed).
func Goflags(ctx context.Context, dir string) (string, error) {
	out, err := Output(ctx, dir, "env", "GOFLAGS")
	return strings.TrimSpace(out), err
}

func goRun(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	cmd := exec.CommandContext(ctx, goCmd, args...)
	tail := &errorTail{w: stderr}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, tail
	cmd.Env = append(os.Environ(), reportEnv+"=1")
	err := cmd.Run()
	if err == nil {
		return nil
	}
	msg := strings.TrimSpace(tail.err.String())
	if args[0] == "run" { // go run's own line after the command's error
		msg = strings.TrimSpace(strings.TrimSuffix(msg, fmt.Sprintf("exit status %d", cmd.ProcessState.ExitCode())))
	}
	if msg != "" {
		return errors.New(msg)
	}
	return fmt.Errorf("running go %s %s: %w", args[0], args[1], err)
}

// Exit ends a command that Run may have started: status 0 for a nil err;
// else 1, with err handed back to Run, or printed as mage prints a
// target's error ("Error: ...") when the command was started by hand.
func Exit(err error) {
	if err == nil {
		os.Exit(0)
	}
	if os.Getenv(reportEnv) == "1" {
		fmt.Fprintf(os.Stderr, "\x00%v", err)
	} else {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
	}
	os.Exit(1)
}

// errorTail passes what it is given to w up to a NUL byte, which a
// command's output never holds, and keeps what follows it: the error.
type errorTail struct {
	w     io.Writer
	found bool
	err   bytes.Buffer
}

func (t *errorTail) Write(p []byte) (int, error) {
	if !t.found {
		i := bytes.IndexByte(p, 0)
		if i < 0 {
			return t.w.Write(p)
		}
		if _, err := t.w.Write(p[:i]); err != nil {
			return 0, err
		}
		t.found = true
		t.err.Write(p[i+1:])
		return len(p), nil
	}
	return t.err.Write(p)
}
