package binary

import (
	"debug/buildinfo"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// The watch loop's compiles are build's: the same build settings (flags,
// pinned environment) in the binary's build info. Only the main module's
// version differs: build stamps it with go install, a watch loop has no
// time for that.
func TestCompilerMatchesBuild(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	root := testenv.ModuleRoot(t)
	p := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	var built []Artifact
	if slices.ContainsFunc(platform.Default, func(d v1.Platform) bool { return d.Architecture == p.Architecture }) {
		built = []Artifact{sharedFor(t, p)}
	} else {
		var err error
		if built, err = Build(t.Context(), root, testInfo, WithOutput(t.TempDir()), WithPlatforms(p)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := NewCompiler(t.Context(), root, "./app", testInfo, p)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "svc-1")
	if err := c.Compile(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	want, err := buildinfo.ReadFile(built[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Settings, got.Settings); diff != "" || got.GoVersion != want.GoVersion {
		t.Errorf("Compile's build settings differ from Build's (-Build +Compile):\n%s\nGo %s, want %s", diff, got.GoVersion, want.GoVersion)
	}
}

func TestCompileErrorCarriesTheCompilersOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	goMod, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := ""
	for _, l := range strings.Split(string(goMod), "\n") {
		if strings.HasPrefix(l, "go ") {
			goLine = l
		}
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/broken\n\n"+goLine+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { notDefined() }\n"), 0o644)
	c, err := NewCompiler(t.Context(), dir, ".", testInfo, v1.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Compile(t.Context(), filepath.Join(t.TempDir(), "out"))
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("Compile(broken) = %v, want a *CompileError", err)
	}
	if !strings.Contains(ce.Output, "main.go:3:15: undefined: notDefined") {
		t.Errorf("Compile(broken).Output = %q, want the compiler's line for main.go", ce.Output)
	}
	if !strings.Contains(err.Error(), "undefined: notDefined") {
		t.Errorf("Compile(broken).Error() = %q, want the compiler's output in it", err.Error())
	}
}
