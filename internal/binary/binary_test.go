package binary

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
	"github.com/lehus1/devops-info-service-go/internal/version"
)

var testInfo = version.Info{Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Time: time.Unix(1700000000, 0)}

// Two builds of one commit give the same bytes, even when the second has a
// user's GOFLAGS, GOAMD64, go env file and go.work that would change them,
// and a cold build cache. The service is built again with the warm cache:
// each of those settings, had it reached the compiler, would be in the go
// command's cache keys, so the build would compile afresh with it and the
// bytes would differ. A cold cache adds only that a fresh compile gives
// what the cache held; that is proved on a tiny module, whose cold build
// compiles the runtime alone, not the service's standard library (~35 s).
func TestBuildIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the service and, with a cold cache, a tiny program; skipped with -short")
	}
	root := testenv.ModuleRoot(t)
	amd64 := v1.Platform{OS: "linux", Architecture: "amd64"}
	tiny, _ := tinyModule(t)
	build := func(dir string, opts ...Option) Artifact {
		t.Helper()
		got, err := Build(t.Context(), dir, testInfo, append(opts, WithOutput(t.TempDir()), WithPlatforms(amd64))...)
		if err != nil {
			t.Fatal(err)
		}
		return got[0]
	}
	tinyOpts := []Option{WithPackage("."), WithName("tiny")}
	first := []Artifact{sharedFor(t, amd64), build(tiny, tinyOpts...)}
	t.Setenv("GOFLAGS", "-buildvcs=true")
	t.Setenv("GOAMD64", "v3")
	t.Setenv("GOFIPS140", "latest")
	// A go env file and a go.work above the module would change the build too.
	envFile := filepath.Join(t.TempDir(), "go.env")
	os.WriteFile(envFile, []byte("GOFLAGS=-gcflags=all=-N\n"), 0o644)
	t.Setenv("GOENV", envFile)
	work := filepath.Join(t.TempDir(), "go.work")
	os.WriteFile(work, []byte("go 1.26.8\n\ngodebug panicnil=1\n\nuse "+root+"\n"), 0o644)
	t.Setenv("GOWORK", work)
	second := []Artifact{build(root)}
	t.Setenv("GOCACHE", t.TempDir())
	second = append(second, build(tiny, tinyOpts...))
	for i, what := range []string{"the service, warm cache", "a tiny program, cold cache"} {
		if first[i].SHA256 != second[i].SHA256 || first[i].Size != second[i].Size {
			t.Errorf("%s: two builds differ: %s (%d bytes) and %s (%d bytes)", what, first[i].SHA256, first[i].Size, second[i].SHA256, second[i].Size)
		}
	}
}

// tinyModule writes a module of one small main package, which prints its
// version variable, and returns its folder and main.go.
func tinyModule(t *testing.T) (dir, main string) {
	t.Helper()
	dir = t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/tiny\n\ngo 1.26.8\n"), 0o644)
	main = filepath.Join(dir, "main.go")
	os.WriteFile(main, []byte("package main\n\nvar version string\n\nfunc main() { println(version) }\n"), 0o644)
	return dir, main
}

func TestBuildStampsAndPlacesBinaries(t *testing.T) {
	t.Parallel()
	got, progress := sharedBuild(t)
	out := shared.out
	if len(got) != 2 {
		t.Fatalf("Build() made %d binaries, want 2", len(got))
	}
	for i, p := range platform.Default {
		want := filepath.Join(out, platform.Dir(p), "devops-info-service")
		if !got[i].Platform.Equals(p) || got[i].Path != want || len(got[i].SHA256) != 64 || got[i].Size < 1e6 {
			t.Errorf("Build()[%d] = %+v, want %s at %s", i, got[i], p, want)
		}
		if !strings.Contains(progress, "built "+platform.Name(p)) {
			t.Errorf("progress %q lacks a line for %s", progress, p)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(out, "linux_amd64"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{".devops-info-service.inputs", "devops-info-service"}, names); diff != "" {
		t.Errorf("output folder (-want +got), want the binary and its fingerprint, no temporary leftovers:\n%s", diff)
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return
	}
	stamp, err := exec.Command(got[0].Path, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "devops-info-service 1.2.3 (commit 0123456789abcdef0123456789abcdef01234567, built 2023-11-14T22:13:20Z)\n"; string(stamp) != want {
		t.Errorf("built binary says %q, want %q", stamp, want)
	}
	// Static: no interpreter, so it runs on an empty base image.
	if data, _ := os.ReadFile(got[0].Path); strings.Contains(string(data), "/lib64/ld-linux") {
		t.Errorf("binary names a dynamic loader; want a static executable")
	}
}

func TestBuildFailureKeepsPreviousBinary(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	out := t.TempDir()
	amd64 := v1.Platform{OS: "linux", Architecture: "amd64"}
	prev := filepath.Join(out, "linux_amd64", "devops-info-service")
	os.MkdirAll(filepath.Dir(prev), 0o755)
	os.WriteFile(prev, []byte("previous build"), 0o755)
	_, err := Build(t.Context(), root, testInfo, WithOutput(out), WithPlatforms(amd64), WithPackage("./nosuchpackage"))
	if err == nil || !strings.Contains(err.Error(), "building linux/amd64") {
		t.Fatalf("Build(missing package) = %v, want an error about building linux/amd64", err)
	}
	if data, _ := os.ReadFile(prev); string(data) != "previous build" {
		t.Errorf("previous binary was replaced by a failed build")
	}
	if entries, _ := os.ReadDir(filepath.Dir(prev)); len(entries) != 1 {
		t.Errorf("failed build left %d entries, want the previous binary only", len(entries))
	}
}

func TestToolchain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		gomod, want, wantErr string
	}{
		{"module m\n\ngo 1.26.8\n", "go1.26.8", ""},
		{"module m\n\ngo 1.26.0\n\ntoolchain go1.26.8\n", "go1.26.8", ""},
		{"module m\n\ngo 1.26\n", "", "no exact go or toolchain line"},
		{"module m\n\ngo 1.26.8\nrequire (\n", "", "reading the Go version"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "go.mod"), []byte(tt.gomod), 0o644)
		got, err := Toolchain(dir)
		if testenv.WantErr(t, fmt.Sprintf("Toolchain(%q)", tt.gomod), err, tt.wantErr) && got != tt.want {
			t.Errorf("Toolchain(%q) = %q, want %q", tt.gomod, got, tt.want)
		}
	}
	if _, err := Toolchain(t.TempDir()); err == nil {
		t.Errorf("Toolchain(no go.mod) = nil error, want one")
	}
}

func TestEnvOverridesUserSettings(t *testing.T) {
	t.Parallel()
	env := Env([]string{"HOME=/h", "GOFLAGS=-race", "CGO_ENABLED=1"}, "go1.26.8", v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"})
	last := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		last[k] = v
	}
	want := map[string]string{"HOME": "/h", "GOFLAGS": "", "CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": "arm64", "GOTOOLCHAIN": "go1.26.8"}
	for k, v := range want {
		if last[k] != v {
			t.Errorf("Env(): %s = %q, want %q", k, last[k], v)
		}
	}
}

// A build whose inputs have not changed is skipped; any change rebuilds.
func TestBuildSkipsWhatIsUpToDate(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	mod, main := tinyModule(t)
	out := t.TempDir()
	amd64 := v1.Platform{OS: "linux", Architecture: "amd64"}
	build := func(info version.Info) (Artifact, string) {
		t.Helper()
		var progress strings.Builder
		got, err := Build(t.Context(), mod, info, WithOutput(out), WithPlatforms(amd64), WithPackage("."), WithName("tiny"), WithProgress(&progress))
		if err != nil {
			t.Fatal(err)
		}
		return got[0], progress.String()
	}
	first, log := build(testInfo)
	if !strings.HasPrefix(log, "built ") {
		t.Errorf("first build said %q, want built", log)
	}
	tests := []struct {
		name   string
		change func() version.Info
		want   string
	}{
		{"nothing changed", func() version.Info { return testInfo }, "up to date "},
		{"new version stamp", func() version.Info { i := testInfo; i.Version = "1.2.4"; return i }, "built "},
		{"nothing changed again", func() version.Info { i := testInfo; i.Version = "1.2.4"; return i }, "up to date "},
		{"source edited", func() version.Info {
			os.WriteFile(main, []byte("package main\n\nvar version string\n\nfunc main() { println(version, 1) }\n"), 0o644)
			i := testInfo
			i.Version = "1.2.4"
			return i
		}, "built "},
		{"binary tampered with", func() version.Info {
			os.WriteFile(first.Path, []byte("not the build"), 0o755)
			i := testInfo
			i.Version = "1.2.4"
			return i
		}, "built "},
	}
	for _, tt := range tests {
		a, log := build(tt.change())
		if !strings.HasPrefix(log, tt.want) {
			t.Errorf("%s: Build() said %q, want %q", tt.name, log, tt.want)
		}
		if sum, _, _ := hashFile(a.Path); sum != a.SHA256 {
			t.Errorf("%s: Build() reports sha256 %s, file has %s", tt.name, a.SHA256, sum)
		}
	}
}
