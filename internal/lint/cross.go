package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// crossCheck type-checks the packages for each target without cgo, as a
// macOS or Windows machine compiles them: every package, every package's
// tests and, with the tags, the magefile, and every dependency they import.
// A call that exists only on Linux (a syscall constant, a SysProcAttr
// field) fails here, on Linux, before it reaches a user. It type-checks
// from source (go/packages) rather than running `go vet` per target, which
// finds the same errors but first compiles every dependency for that
// target: from an empty cache, two full compiles that nothing else shares.
func crossCheck(ctx context.Context, dir string, o options) (string, error) {
	var findings []string
	for _, t := range o.targets {
		goos, goarch, ok := strings.Cut(t, "/")
		if !ok || goos == "" || goarch == "" {
			return "", fmt.Errorf("target %q is not GOOS/GOARCH, such as darwin/arm64", t)
		}
		errs, err := typeErrors(ctx, dir, o, "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
		if err != nil {
			return "", fmt.Errorf("type-checking for %s: %w", t, err)
		}
		if len(errs) > 0 {
			findings = append(findings, t+":\n"+strings.Join(errs, "\n"))
		}
	}
	return strings.Join(findings, "\n"), nil
}

// typeErrors loads o.packages and their tests from source in the
// environment env and returns every error, as file:line:col: message with
// the file relative to dir, each once (a package and its test variant
// share files), sorted.
func typeErrors(ctx context.Context, dir string, o options, env ...string) ([]string, error) {
	cfg := &packages.Config{
		Context:    ctx,
		Dir:        dir,
		Env:        append(os.Environ(), env...),
		BuildFlags: []string{"-tags", o.tags},
		Tests:      true,
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
			packages.NeedDeps | packages.NeedTypes,
	}
	pkgs, err := packages.Load(cfg, o.packages...)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	var errs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			pos := e.Pos
			if rel, err := filepath.Rel(abs, pos); err == nil && !strings.HasPrefix(rel, "..") {
				pos = rel
			}
			if pos == "" || pos == "-" {
				pos = p.PkgPath
			}
			errs = append(errs, pos+": "+e.Msg)
		}
	})
	slices.Sort(errs)
	return slices.Compact(errs), nil
}
