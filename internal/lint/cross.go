package lint

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
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
// (go/packages lists the packages; go/types checks them, see typeErrors.)
func crossCheck(ctx context.Context, dir string, o options) (string, error) {
	var findings []string
	for _, t := range o.targets {
		goos, goarch, ok := strings.Cut(t, "/")
		if !ok || goos == "" || goarch == "" {
			return "", fmt.Errorf("target %q is not GOOS/GOARCH, such as darwin/arm64", t)
		}
		errs, err := typeErrors(ctx, dir, o, goos, goarch)
		if err != nil {
			return "", fmt.Errorf("type-checking for %s: %w", t, err)
		}
		if len(errs) > 0 {
			findings = append(findings, t+":\n"+strings.Join(errs, "\n"))
		}
	}
	return strings.Join(findings, "\n"), nil
}

// typeErrors lists o.packages, their tests and every dependency for goos
// and goarch without cgo (go list, through go/packages) and type-checks them from
// source, the module's own packages whole and the others' declarations
// alone (their function bodies are what their own CI compiles for these
// systems): what the module calls and declares is checked against them.
// It returns every error as file:line:col: message, the file relative to
// dir, each once (a package and its test variant share files), sorted.
func typeErrors(ctx context.Context, dir string, o options, goos, goarch string) ([]string, error) {
	cfg := &packages.Config{
		Context:    ctx,
		Dir:        dir,
		Env:        append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0"),
		BuildFlags: append([]string{"-tags", o.tags}, o.overlay...),
		Tests:      true,
		Mode: packages.NeedName | packages.NeedCompiledGoFiles | packages.NeedImports |
			packages.NeedDeps | packages.NeedModule,
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
	report := func(pos, msg string) {
		if rel, err := filepath.Rel(abs, pos); err == nil && !strings.HasPrefix(rel, "..") {
			pos = rel
		}
		errs = append(errs, pos+": "+msg)
	}
	c := &checker{fset: token.NewFileSet(), sizes: types.SizesFor("gc", goarch), done: map[*packages.Package]*types.Package{}, report: report}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			if e.Kind != packages.TypeError {
				report(cmp.Or(strings.TrimPrefix(e.Pos, "-"), p.PkgPath), e.Msg)
			}
		}
	})
	for _, p := range pkgs {
		c.check(p)
	}
	slices.Sort(errs)
	return slices.Compact(errs), nil
}

// checker type-checks packages from source, each once, dependencies first.
type checker struct {
	fset   *token.FileSet
	sizes  types.Sizes
	done   map[*packages.Package]*types.Package
	report func(pos, msg string)
}

func (c *checker) check(p *packages.Package) *types.Package {
	if p.PkgPath == "unsafe" {
		return types.Unsafe
	}
	if t, ok := c.done[p]; ok {
		return t
	}
	own := p.Module != nil && p.Module.Main
	var files []*ast.File
	for _, name := range p.CompiledGoFiles {
		f, err := parser.ParseFile(c.fset, name, nil, parser.SkipObjectResolution)
		var list scanner.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				c.report(e.Pos.String(), e.Msg)
			}
		} else if err != nil {
			c.report(name, err.Error())
		}
		if f != nil {
			files = append(files, f)
		}
	}
	conf := types.Config{
		IgnoreFuncBodies: !own,
		Sizes:            c.sizes,
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if imp := p.Imports[path]; imp != nil {
				return c.check(imp), nil
			}
			return nil, fmt.Errorf("%s does not import %q", p.PkgPath, path)
		}),
		Error: func(err error) {
			if e, ok := err.(types.Error); ok {
				c.report(e.Fset.Position(e.Pos).String(), e.Msg)
			}
		},
	}
	if own && p.Module.GoVersion != "" {
		conf.GoVersion = "go" + p.Module.GoVersion
	}
	t, _ := conf.Check(p.PkgPath, c.fset, files, nil)
	c.done[p] = t
	return t
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
