// Package binary builds the service's executables: static, stamped with
// their version, and byte-for-byte the same from any clean clone.
package binary

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/sync/errgroup"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/version"
)

// Artifact is one built executable.
type Artifact struct {
	Platform v1.Platform
	Path     string
	SHA256   string
	Size     int64
}

type options struct {
	pkg       string
	name      string
	output    string
	platforms []v1.Platform
	progress  io.Writer
}

// Option changes how Build works.
type Option func(*options)

// WithPackage sets the main package to build. Default "./app".
func WithPackage(pkg string) Option { return func(o *options) { o.pkg = pkg } }

// WithName sets the executable's file name. Default "devops-info-service".
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithOutput sets the folder that gets one <os>_<arch> folder per platform.
// Default "dist/bin" under the module.
func WithOutput(dir string) Option { return func(o *options) { o.output = dir } }

// WithPlatforms sets the targets. Default platform.Default.
func WithPlatforms(ps ...v1.Platform) Option { return func(o *options) { o.platforms = ps } }

// WithProgress sets where a line per platform goes as it is built.
// Default nowhere.
func WithProgress(w io.Writer) Option { return func(o *options) { o.progress = w } }

// Build compiles the module in dir for each platform. Each executable is
// written beside its final path and renamed into place, so an interrupted
// build leaves the previous one whole.
func Build(ctx context.Context, dir string, info version.Info, opts ...Option) ([]Artifact, error) {
	o := options{pkg: "./app", name: contract.Name, output: filepath.Join(dir, "dist", "bin"), platforms: platform.Default, progress: io.Discard}
	for _, opt := range opts {
		opt(&o)
	}
	envFor, err := pinnedEnv(ctx, dir)
	if err != nil {
		return nil, err
	}
	// One go build per platform, side by side: each spends much of its time
	// in the single-threaded link.
	out := make([]Artifact, len(o.platforms))
	var mu sync.Mutex // one progress line at a time
	g, ctx := errgroup.WithContext(ctx)
	for i, p := range o.platforms {
		g.Go(func() error {
			start := time.Now()
			a, fresh, err := buildOne(ctx, dir, envFor(p), info, o, p)
			if err != nil {
				return err
			}
			what := "built"
			if fresh {
				what = "up to date"
			}
			mu.Lock()
			fmt.Fprintf(o.progress, "%s %s in %.1fs: %s (%.1f MB)\n", what, platform.Name(p), time.Since(start).Seconds(), a.Path, float64(a.Size)/1e6)
			mu.Unlock()
			out[i] = a
			return nil
		})
	}
	return out, g.Wait()
}

func buildOne(ctx context.Context, dir string, env []string, info version.Info, o options, p v1.Platform) (Artifact, bool, error) {
	final := filepath.Join(o.output, platform.Dir(p), o.name)
	name := platform.Name(p)
	flags := Flags(info)
	fp, src, err := fingerprint(ctx, dir, o.pkg, flags, env)
	if err != nil {
		return Artifact{}, false, fmt.Errorf("building %s: %w", name, err)
	}
	// What a build stopped mid-way left here (callers let one build at a
	// time write the output folder, so none of it is another's).
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(final), ".build-*")); len(left) > 0 {
		for _, l := range left {
			os.RemoveAll(l)
		}
	}
	if a, ok := upToDate(final, fp, p); ok {
		return a, true, nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return Artifact{}, false, fmt.Errorf("building %s: %w", name, err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(final), ".build-")
	if err != nil {
		return Artifact{}, false, fmt.Errorf("building %s: %w", name, err)
	}
	defer os.RemoveAll(tmp)

	built, err := compile(ctx, dir, env, tmp, src, flags, info, o)
	if err != nil {
		return Artifact{}, false, fmt.Errorf("building %s: %w", name, err)
	}
	if err := os.Rename(built, final); err != nil {
		return Artifact{}, false, fmt.Errorf("building %s: %w", name, err)
	}
	sum, size, err := hashFile(final)
	if err != nil {
		return Artifact{}, false, fmt.Errorf("building %s: %w", name, err)
	}
	a := Artifact{Platform: p, Path: final, SHA256: sum, Size: size}
	if err := record(a, fp); err != nil {
		return Artifact{}, false, fmt.Errorf("building %s: %w", name, err)
	}
	return a, false, nil
}

// Flags are the go build flags of a release build: no paths of this
// machine, no VCS stamp or build ID that differ between clones, no symbols,
// and the build's identity in main's variables.
func Flags(info version.Info) []string {
	return []string{
		"-trimpath",
		"-buildvcs=false",
		"-ldflags=" + strings.Join([]string{
			"-s", "-w", "-buildid=",
			"-X", "main.version=" + info.Version,
			"-X", "main.commit=" + info.Commit,
			"-X", "main.buildDate=" + info.Time.UTC().Format(time.RFC3339),
		}, " "),
	}
}

// Env is base with every variable that changes the compiler's output pinned:
// a user's GOFLAGS, GOAMD64 or GOEXPERIMENT must not change the bytes, and
// GOTOOLCHAIN names the exact Go release from go.mod, which the go command
// fetches from the module proxy when it is not the one installed. The go
// env file and go.work are switched off too (they could set GOFLAGS or
// godebug behind the environment's back); the settings the build needs
// from them to fetch modules are passed on as plain variables (goEnv).
func Env(base []string, toolchain string, p v1.Platform) []string {
	// exec.Cmd keeps the last of duplicate keys, so appending overrides.
	return append(slices.Clone(base), pinned(p, toolchain)...)
}

func pinned(p v1.Platform, toolchain string) []string {
	return []string{"CGO_ENABLED=0", "GOOS=" + p.OS, "GOARCH=" + p.Architecture, "GOFLAGS=", "GOEXPERIMENT=", "GOTOOLCHAIN=" + toolchain,
		"GOENV=off", "GOWORK=off", "GOFIPS140=off",
		"GOAMD64=v1", "GOARM64=v8.0", "GOARM=7", "GO386=sse2", "GOPPC64=power8", "GORISCV64=rva20u64"}
}

// pinnedEnv reads the toolchain and the go env once and gives the
// environment of a build for each platform (Env).
func pinnedEnv(ctx context.Context, dir string) (func(v1.Platform) []string, error) {
	toolchain, err := Toolchain(dir)
	if err != nil {
		return nil, err
	}
	base, err := goEnv(ctx, dir, os.Environ())
	if err != nil {
		return nil, err
	}
	return func(p v1.Platform) []string { return Env(base, toolchain, p) }, nil
}

// fetchSettings are the go env settings that decide where modules come
// from and where caches live, but not what the compiler makes.
var fetchSettings = []string{"GOPROXY", "GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GOSUMDB", "GOINSECURE", "GOMODCACHE", "GOCACHE", "GOPATH", "GOVCS", "GOAUTH"}

// goEnv is base plus the fetch settings as the user's go env file has
// them, so that switching the file off (GOENV=off) keeps them.
func goEnv(ctx context.Context, dir string, base []string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"env"}, fetchSettings...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("reading go env: %w", err)
	}
	env := slices.Clone(base)
	for i, v := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if i < len(fetchSettings) && v != "" {
			env = append(env, fetchSettings[i]+"="+v)
		}
	}
	return env, nil
}

// Toolchain is the exact Go release the module builds with: go.mod's
// toolchain line, else its go line, as in "go1.26.8".
func Toolchain(dir string) (string, error) {
	path := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the Go version: %w", err)
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return "", fmt.Errorf("reading the Go version: %w", err)
	}
	if f.Toolchain != nil {
		return f.Toolchain.Name, nil
	}
	if f.Go == nil || strings.Count(f.Go.Version, ".") != 2 {
		return "", fmt.Errorf("reading the Go version: %s has no exact go or toolchain line (such as \"go 1.26.8\")", path)
	}
	return "go" + f.Go.Version, nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
