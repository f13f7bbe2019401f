package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// project writes a module with a magefile of one target, Hello, and
// returns its folder.
func project(t *testing.T, magefile string) string {
	t.Helper()
	return testenv.WriteTree(t, t.TempDir(), map[string]string{"go.mod": "module example.test/m\n\ngo 1.26\n", "magefile.go": magefile})
}

const hello = `//go:build mage

package main

import "fmt"

// Hello says hello.
func Hello() { fmt.Println("hello from", "the target") }
`

// Two runs started together in one folder both compile and run the
// target; upstream mage fails one of them about half the time (both write
// and remove mage_output_file.go). Repeated, since the clash is a race.
func TestTwoRunsAtOnce(t *testing.T) {
	testenv.SkipIfShort(t, "compiles magefiles")
	t.Setenv("MAGEFILE_CACHE", t.TempDir())
	dir := project(t, hello)
	for round := range 3 {
		var wg sync.WaitGroup
		var outs, errs [2]strings.Builder
		var codes [2]int
		for i := range 2 {
			wg.Go(func() { codes[i] = run([]string{"-d", dir, "hello"}, strings.NewReader(""), &outs[i], &errs[i]) })
		}
		wg.Wait()
		for i := range 2 {
			if codes[i] != 0 || outs[i].String() != "hello from the target\n" {
				t.Errorf("round %d: run(hello) = %d, stdout %q, stderr %q; want 0 and the target's line", round, codes[i], outs[i].String(), errs[i].String())
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "mage_output_file.go")); err == nil {
			t.Errorf("round %d: mage_output_file.go left behind", round)
		}
	}
}

// What does not compile is mage's own, unchanged.
func TestPassesThrough(t *testing.T) {
	testenv.SkipIfShort(t, "compiles magefiles")
	t.Setenv("MAGEFILE_CACHE", t.TempDir())
	dir := project(t, hello)
	broken := project(t, "//go:build mage\n\npackage main\n\nfunc Hello() { undefined() }\n")
	tests := []struct {
		args     []string
		dir      string
		code     int
		inStdout string
	}{
		{[]string{"-l"}, dir, 0, "hello"},
		{[]string{"-version"}, dir, 0, "Mage Build Tool"},
		{[]string{"-h"}, dir, 0, ""},
		{[]string{"-nosuchflag"}, dir, 2, ""},
		{[]string{"hello"}, broken, 1, ""},
		{[]string{"nosuchtarget"}, dir, 2, ""},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		code := run(append([]string{"-d", tt.dir}, tt.args...), strings.NewReader(""), &stdout, &stderr)
		if code != tt.code || !strings.Contains(strings.ToLower(stdout.String()), strings.ToLower(tt.inStdout)) {
			t.Errorf("run(%q) = %d, stdout %q, stderr %q; want %d and %q", tt.args, code, stdout.String(), stderr.String(), tt.code, tt.inStdout)
		}
	}
}

// A run that cannot make its binary's folder or its lock says so and stops.
func TestRunErrors(t *testing.T) {
	dir := project(t, hello)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, env, value string }{
		{"no temporary folder", "TMPDIR", filepath.Join(file, "tmp")},
		{"no lock", "MAGEFILE_CACHE", filepath.Join(file, "cache")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MAGEFILE_CACHE", t.TempDir())
			t.Setenv(tt.env, tt.value)
			var stdout, stderr strings.Builder
			if code := run([]string{"-d", dir, "hello"}, strings.NewReader(""), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "Error:") {
				t.Errorf("run(hello) with %s=%s = %d, stderr %q; want 1 and an error", tt.env, tt.value, code, stderr.String())
			}
		})
	}
}
