package gotool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The output passes through up to the NUL that starts the error, however
// the writes are cut.
func TestErrorTail(t *testing.T) {
	tests := []struct {
		name             string
		writes           []string
		wantOut, wantErr string
	}{
		{"no error", []string{"pushing\n", "done\n"}, "pushing\ndone\n", ""},
		{"error in its own write", []string{"pushing\n", "\x00pushing \"x\": refused"}, "pushing\n", "pushing \"x\": refused"},
		{"error after output in one write", []string{"pushing\n\x00bad"}, "pushing\n", "bad"},
		{"error cut in two", []string{"a\n\x00line one", "\nline two"}, "a\n", "line one\nline two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			tail := &errorTail{w: &out}
			for _, w := range tt.writes {
				if n, err := tail.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v; want %d, nil", w, n, err, len(w))
				}
			}
			if out.String() != tt.wantOut || tail.err.String() != tt.wantErr {
				t.Errorf("writes %q: passed %q, kept %q; want %q, %q", tt.writes, out.String(), tail.err.String(), tt.wantOut, tt.wantErr)
			}
		})
	}
}

// TestMain makes the test binary, started by Run as the go command with
// the helper variable set, a command that prints, then exits as told.
func TestMain(m *testing.M) {
	if os.Getenv("GOTOOL_TEST_HELPER") == "1" {
		fmt.Println("out:", strings.Join(os.Args[1:], " "))
		fmt.Fprintln(os.Stderr, "progress")
		if os.Args[len(os.Args)-1] == "fail" {
			if os.Args[1] == "run" { // as go run: the command's error, then its own line
				fmt.Fprintf(os.Stderr, "\x00pushing \"x\": refused")
				fmt.Fprintln(os.Stderr, "exit status 1")
				os.Exit(1)
			}
			Exit(errors.New("pushing \"x\": refused"))
		}
		Exit(nil)
	}
	os.Exit(m.Run())
}

// Run passes the output through and returns the command's error as its
// own; by hand, the command prints it as mage would.
func TestRun(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	goCmd = exe
	t.Cleanup(func() { goCmd = "go" })
	t.Setenv("GOTOOL_TEST_HELPER", "1")
	tests := []struct {
		arg, wantErr string
	}{
		{"ok", ""},
		{"fail", "pushing \"x\": refused"},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		err := Run(t.Context(), &stdout, &stderr, "release", tt.arg)
		if got := fmt.Sprint(err); tt.wantErr == "" && err != nil || tt.wantErr != "" && got != tt.wantErr {
			t.Errorf("Run(release %s) = %v, want %q", tt.arg, err, tt.wantErr)
		}
		if want := "out: tool release " + tt.arg + "\n"; stdout.String() != want || stderr.String() != "progress\n" {
			t.Errorf("Run(release %s): stdout %q, stderr %q; want %q, %q", tt.arg, stdout.String(), stderr.String(), want, "progress\n")
		}
	}
	cmd := exec.Command(exe, "tool", "release", "fail")
	cmd.Env = append(os.Environ(), reportEnv+"=")
	out, err := cmd.CombinedOutput()
	if want := "progress\nError: pushing \"x\": refused\n"; err == nil || !strings.HasSuffix(string(out), want) {
		t.Errorf("the command by hand = %v, output %q; want exit 1 and %q", err, out, want)
	}
	for _, tt := range tests {
		var stdout strings.Builder
		err := RunPackage(t.Context(), &stdout, io.Discard, "./cmd/x", tt.arg)
		if got := fmt.Sprint(err); tt.wantErr == "" && err != nil || tt.wantErr != "" && got != tt.wantErr {
			t.Errorf("RunPackage(./cmd/x %s) = %q, want %q", tt.arg, got, tt.wantErr)
		}
		if want := "out: run ./cmd/x " + tt.arg + "\n"; stdout.String() != want {
			t.Errorf("RunPackage(./cmd/x %s): stdout %q, want %q", tt.arg, stdout.String(), want)
		}
	}
	for _, tt := range tests {
		out, err := Output(t.Context(), t.TempDir(), "env", tt.arg)
		if tt.wantErr == "" && (err != nil || out != "out: env ok\n") {
			t.Errorf("Output(env ok) = %q, %v; want %q, nil", out, err, "out: env ok\n")
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), "exit status 1: progress\nError: "+tt.wantErr)) {
			t.Errorf("Output(env fail) = %v, want the exit status and what it said on stderr", err)
		}
	}
	goCmd = filepath.Join(t.TempDir(), "no-go")
	if err := Run(t.Context(), io.Discard, io.Discard, "release"); err == nil || !strings.Contains(err.Error(), "running go tool release") {
		t.Errorf("Run without a go command = %v, want an error saying what it ran", err)
	}
}

// Goflags reads GOFLAGS as go env gives them: from the environment here,
// trimmed.
func TestGoflags(t *testing.T) {
	t.Setenv("GOFLAGS", " -count=1  -p=1 ")
	if got, err := Goflags(t.Context(), "."); err != nil || got != "-count=1  -p=1" {
		t.Errorf("Goflags() = %q, %v; want %q", got, err, "-count=1  -p=1")
	}
}
