package testenv

import (
	"bytes"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recorder stands in for a test: it records Fatalf and Skipf and stops the
// goroutine, as the real ones do; Errorf it records as a failure too, and
// goes on.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, a ...any) {
	r.fatal = fmt.Sprintf(format, a...)
	runtime.Goexit()
}
func (r *recorder) Errorf(format string, a ...any) { r.fatal = fmt.Sprintf(format, a...) }
func (r *recorder) Skipf(format string, a ...any) {
	r.skip = fmt.Sprintf(format, a...)
	runtime.Goexit()
}

func run(f func(t testing.TB)) *recorder {
	r := &recorder{}
	done := make(chan struct{})
	go func() { defer close(done); f(r) }()
	<-done
	return r
}

func TestSkipLoudly(t *testing.T) {
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		r := run(func(tb testing.TB) { SkipLoudly(tb, "runc needs Linux") })
		if want := "SKIPPED LOUDLY: runc needs Linux"; r.skip != want || r.fatal != "" {
			t.Errorf("SkipLoudly() with CI=%q: skip %q, fatal %q; want skip %q", ci, r.skip, r.fatal, want)
		}
	}
}

func TestSkipOnWindows(t *testing.T) {
	for goos, want := range map[string]string{"windows": "SKIPPED LOUDLY: no shell", "linux": "", "darwin": ""} {
		r := run(func(tb testing.TB) { skipOnWindows(tb, goos, "no shell") })
		if r.skip != want || r.fatal != "" {
			t.Errorf("skipOnWindows(%s) = skip %q, fatal %q; want skip %q", goos, r.skip, r.fatal, want)
		}
	}
}

func TestMustHaveExec(t *testing.T) {
	SkipIfShort(t, "what it checks is what happens without -short")
	tests := []struct {
		name, program, ci   string
		wantPath            bool
		wantFatal, wantSkip string
	}{
		{"installed", "go", "true", true, "", ""},
		{"missing in CI", "no-such-program-x", "true", false, "CI needs this: no-such-program-x is not installed (apt-get install x)", ""},
		{"missing elsewhere", "no-such-program-x", "", false, "", "SKIPPED LOUDLY: no-such-program-x is not installed (apt-get install x)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			var path string
			r := run(func(tb testing.TB) { path = MustHaveExec(tb, tt.program, "apt-get install x") })
			if (path != "") != tt.wantPath || r.fatal != tt.wantFatal || r.skip != tt.wantSkip {
				t.Errorf("MustHaveExec(%q) = %q, fatal %q, skip %q; want a path %v, fatal %q, skip %q",
					tt.program, path, r.fatal, r.skip, tt.wantPath, tt.wantFatal, tt.wantSkip)
			}
			if tt.wantPath && !strings.HasSuffix(path, tt.program) {
				t.Errorf("MustHaveExec(%q) = %q, want a path to it", tt.program, path)
			}
		})
	}
}

// Writers and a reader at once: -race checks the lock.
func TestBuffer(t *testing.T) {
	var b Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			fmt.Fprint(&b, "x")
		}
	}()
	for range 100 {
		_ = b.String()
	}
	<-done
	if got := b.String(); got != strings.Repeat("x", 100) {
		t.Errorf("Buffer.String() = %q, want 100 x", got)
	}
}

func TestSkipIfShort(t *testing.T) {
	r := run(func(tb testing.TB) { SkipIfShort(tb, "needs runc") })
	want := ""
	if testing.Short() {
		want = "-short: needs runc"
	}
	if r.skip != want || r.fatal != "" {
		t.Errorf("SkipIfShort() with -short=%v: skip %q, fatal %q; want skip %q", testing.Short(), r.skip, r.fatal, want)
	}
}

func TestModuleRoot(t *testing.T) {
	root := ModuleRoot(t)
	if _, err := os.Stat(filepath.Join(root, "internal", "testenv", "root.go")); err != nil {
		t.Errorf("ModuleRoot() = %q, want the folder holding internal/testenv: %v", root, err)
	}
}

func TestCopyFiles(t *testing.T) {
	root, dir := t.TempDir(), t.TempDir()
	WriteTree(t, root, map[string]string{"go.mod": "module m\n", "app/a.go": "package main\n", "app/a_test.go": "package main\n", "app/b.txt": "b"})
	CopyFiles(t, root, dir, bytes.ToUpper, "app/*.go", "go.mod")
	for name, want := range map[string]string{"go.mod": "MODULE M\n", "app/a.go": "PACKAGE MAIN\n"} {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != want {
			t.Errorf("CopyFiles: %s = %q, %v, want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"app/a_test.go", "app/b.txt"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("CopyFiles: %s copied (%v), want left out", name, err)
		}
	}
}

func TestWantErr(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		want      string
		wantOK    bool
		wantFatal string
	}{
		{"success wanted and got", nil, "", true, ""},
		{"the error wanted", errors.New(`reading "x": no such file`), "no such file", false, ""},
		{"an error where none is wanted", errors.New("boom"), "", false, `Load("x") error = boom, want none`},
		{"no error where one is wanted", nil, "no such file", false, `Load("x") error = <nil>, want "no such file"`},
		{"another error", errors.New("boom"), "no such file", false, `Load("x") error = boom, want "no such file"`},
	}
	for _, tt := range tests {
		var ok bool
		r := run(func(tb testing.TB) { ok = WantErr(tb, `Load("x")`, tt.err, tt.want) })
		if ok != tt.wantOK || r.fatal != tt.wantFatal {
			t.Errorf("%s: WantErr() = %v, failure %q; want %v, %q", tt.name, ok, r.fatal, tt.wantOK, tt.wantFatal)
		}
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		name, got    string
		want, absent []string
		wantFailure  string
	}{
		{"all there, nothing unwanted", "a\nb\n", []string{"a", "b"}, []string{"c"}, ""},
		{"one missing", "a\n", []string{"a", "b"}, nil, "Run() lacks \"b\":\na\n"},
		{"one unwanted", "a\nc\n", []string{"a"}, []string{"c"}, "Run() has \"c\", want it not to:\na\nc\n"},
	}
	for _, tt := range tests {
		r := run(func(tb testing.TB) { Contains(tb, "Run()", tt.got, tt.want, tt.absent) })
		if r.fatal != tt.wantFailure {
			t.Errorf("%s: Contains() failure %q, want %q", tt.name, r.fatal, tt.wantFailure)
		}
	}
}

func TestGoBinary(t *testing.T) {
	data := GoBinary(t)
	if info, err := buildinfo.Read(bytes.NewReader(data)); err != nil || info.Path != "github.com/lehus1/devops-info-service-go/internal/testenv.test" {
		t.Errorf("GoBinary() is not this test binary: build information %v, %v", info, err)
	}
}
