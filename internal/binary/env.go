package binary

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

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

// buildEnv is the environment of a build: the toolchain, read at once, and
// the go env, read when a go command is first to run (an up-to-date build
// runs none).
type buildEnv struct {
	toolchain string
	goenv     func() (goenv, error)
}

// goenv is what goEnv reads.
type goenv struct {
	base  []string // the environment with the fetch settings
	local string   // the installed go's release, if go.mod lets it run
}

// pinnedEnv reads the toolchain and gives the environment of a build for
// each platform (Env), reading the go env once, when first needed.
func pinnedEnv(ctx context.Context, dir string) (buildEnv, error) {
	toolchain, err := Toolchain(dir)
	if err != nil {
		return buildEnv{}, err
	}
	return buildEnv{toolchain: toolchain, goenv: sync.OnceValues(func() (goenv, error) {
		return goEnv(ctx, dir, os.Environ())
	})}, nil
}

// pinned is what of the environment changes the bytes of p's binary.
func (e buildEnv) pinned(p v1.Platform) []string { return pinned(p, e.toolchain) }

// command is the environment a go command for p runs in: Env, with
// GOTOOLCHAIN=local when the local go is the pinned release, which is the
// same build without the go command's check of the toolchain.
func (e buildEnv) command(p v1.Platform) ([]string, error) {
	g, err := e.goenv()
	if err != nil {
		return nil, err
	}
	env := Env(g.base, e.toolchain, p)
	if g.local == e.toolchain {
		env = append(env, "GOTOOLCHAIN=local")
	}
	return env, nil
}

// fetchSettings are the go env settings that decide where modules come
// from and where caches live, but not what the compiler makes.
var fetchSettings = []string{"GOPROXY", "GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GOSUMDB", "GOINSECURE", "GOMODCACHE", "GOCACHE", "GOPATH", "GOVCS", "GOAUTH"}

// goEnv is base plus the fetch settings as the user's go env file has
// them, so that switching the file off (GOENV=off) keeps them, and the
// release of the go command installed, if go.mod lets it run: asked with
// GOTOOLCHAIN=local, which fails when go.mod needs a later one; then the
// settings are asked again as the build will run, and the release is "".
func goEnv(ctx context.Context, dir string, base []string) (goenv, error) {
	lines, err := goEnvLines(ctx, dir, append(slices.Clone(base), "GOTOOLCHAIN=local"))
	if err != nil {
		if lines, err = goEnvLines(ctx, dir, base); err != nil {
			return goenv{}, err
		}
		lines[len(fetchSettings)] = ""
	}
	env := slices.Clone(base)
	for i, v := range lines[:len(fetchSettings)] {
		if v != "" {
			env = append(env, fetchSettings[i]+"="+v)
		}
	}
	return goenv{base: env, local: lines[len(fetchSettings)]}, nil
}

// goEnvLines is `go env` of the fetch settings and GOVERSION, one a line.
func goEnvLines(ctx context.Context, dir string, env []string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", append(append([]string{"env"}, fetchSettings...), "GOVERSION")...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("reading go env: %w", err)
	}
	// GOVERSION comes last and is never empty, so no empty line is trimmed.
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != len(fetchSettings)+1 {
		return nil, fmt.Errorf("reading go env: %d lines for %d settings", len(lines), len(fetchSettings)+1)
	}
	return lines, nil
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
