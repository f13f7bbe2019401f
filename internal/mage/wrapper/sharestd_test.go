package main

import (
	"os"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// settings prints the target's environment and how its binary was built.
const settings = `//go:build mage

package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

// Settings prints CGO_ENABLED and GOFLAGS as the target sees them, and
// the binary's own build settings.
func Settings() {
	cgo, ok := os.LookupEnv("CGO_ENABLED")
	fmt.Printf("env CGO_ENABLED=%s %v GOFLAGS=%q\n", cgo, ok, os.Getenv("GOFLAGS"))
	bi, _ := debug.ReadBuildInfo()
	for _, s := range bi.Settings {
		if s.Key == "CGO_ENABLED" || s.Key == "-trimpath" {
			fmt.Printf("built %s=%s\n", s.Key, s.Value)
		}
	}
}
`

// The magefile is compiled as build compiles the service (no cgo,
// -trimpath), so the two share the standard library in the build cache,
// unless the environment says otherwise; the target runs in the
// environment it was started with (go test -race needs cgo).
func TestMagefileSharesTheStandardLibrary(t *testing.T) {
	testenv.SkipIfShort(t, "compiles magefiles")
	dir := project(t, settings)
	tests := []struct {
		name       string
		cgo        string // "" unset
		goflags    string
		wantOutput string
	}{
		{"unset", "", "", "env CGO_ENABLED= false GOFLAGS=\"\"\nbuilt -trimpath=true\nbuilt CGO_ENABLED=0\n"},
		{"cgo asked for", "1", "-mod=mod", "env CGO_ENABLED=1 true GOFLAGS=\"-mod=mod\"\nbuilt -trimpath=true\nbuilt CGO_ENABLED=1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MAGEFILE_CACHE", t.TempDir())
			t.Setenv("GOFLAGS", tt.goflags)
			t.Setenv("CGO_ENABLED", tt.cgo)
			if tt.cgo == "" {
				os.Unsetenv("CGO_ENABLED")
			}
			var stdout, stderr strings.Builder
			code := run([]string{"-d", dir, "settings"}, strings.NewReader(""), &stdout, &stderr)
			if code != 0 || stdout.String() != tt.wantOutput {
				t.Errorf("run(settings) = %d, stdout %q, stderr %q; want 0 and %q", code, stdout.String(), stderr.String(), tt.wantOutput)
			}
			if v, ok := os.LookupEnv("CGO_ENABLED"); v != tt.cgo || ok != (tt.cgo != "") || os.Getenv("GOFLAGS") != tt.goflags {
				t.Errorf("after run: CGO_ENABLED=%q (set %v), GOFLAGS=%q; want %q and %q as before", v, ok, os.Getenv("GOFLAGS"), tt.cgo, tt.goflags)
			}
		})
	}
}
