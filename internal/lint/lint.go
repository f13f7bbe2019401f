// Package lint checks the module's code with gofmt, go vet and staticcheck,
// type-checks it for the other systems developers use, checks the CI
// workflows with actionlint and the documents' relative links. Every check
// runs, so one run shows every finding.
package lint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/gotool"
)

type options struct {
	output io.Writer
	// needShellcheck makes a missing shellcheck an error, not a warning.
	needShellcheck bool
	packages       []string
	tags           string
	buildFlags     []string
	plain          []string
	workflows      string
	targets        []string
	scripts        []string
	docs           []string
	// only names the checks to run; nil runs every one. Only tests set
	// it, to run the one check they are about.
	only []string
	// overlay is the go command's -overlay flag that hides mage's
	// mainfile (hideMainfile), set by Run; none when a check runs alone.
	overlay []string
}

// Option changes how Run works.
type Option func(*options)

// WithOutput sets where findings and a line per check go. Default nowhere.
func WithOutput(w io.Writer) Option { return func(o *options) { o.output = w } }

// WithPackages sets the package patterns. Default "./...".
func WithPackages(patterns ...string) Option { return func(o *options) { o.packages = patterns } }

// WithScripts sets the folders, relative to the module, whose Go programs
// are gofmt-ed and vetted one file at a time and whose shell scripts go
// through shellcheck. Default "scripts" and ".ci".
func WithScripts(dirs ...string) Option { return func(o *options) { o.scripts = dirs } }

// WithWorkflows sets the glob of GitHub Actions workflows that actionlint
// checks, relative to the module. Default ".github/workflows/*.y*ml".
func WithWorkflows(glob string) Option { return func(o *options) { o.workflows = glob } }

// WithShellcheckRequired makes a missing shellcheck an error rather than a
// warning: without it actionlint silently skips the workflows' run:
// scripts. Default false (CI sets it).
func WithShellcheckRequired(required bool) Option {
	return func(o *options) { o.needShellcheck = required }
}

// WithDocs sets the globs, relative to the module, of the Markdown
// documents whose relative links must lead somewhere. Default "README.md"
// and "docs/*.md".
func WithDocs(globs ...string) Option { return func(o *options) { o.docs = globs } }

// WithTags sets the build tags, so that files behind them are checked too.
// Default "mage", for the magefile.
func WithTags(tags string) Option { return func(o *options) { o.tags = tags } }

// WithBuildFlags sets go build flags for go vet and staticcheck (through
// GOFLAGS), such as -race: in the configuration the tests are compiled in,
// the compiled dependencies they read are the tests' own, shared in the
// build cache, not a second compile of every one. Default none.
func WithBuildFlags(flags ...string) Option { return func(o *options) { o.buildFlags = flags } }

// WithoutBuildFlagsFor vets and staticchecks the packages (import paths)
// without the build flags, in a run of their own: those whose tests go
// test compiles without -race (gotest.WithoutRaceWhereLinked). Default
// none.
func WithoutBuildFlagsFor(paths ...string) Option { return func(o *options) { o.plain = paths } }

// DefaultTargets are the GOOS/GOARCH pairs, besides this machine's, that
// the code must compile for: the macOS and Windows machines developers
// run the pipeline on. darwin/amd64 (Intel Macs) is not among them: the
// module holds no file for one GOARCH alone (TestNoArchSpecificFiles), so
// what compiles for darwin/arm64 compiles for it.
var DefaultTargets = []string{"darwin/arm64", "windows/amd64"}

// WithTargets sets the GOOS/GOARCH pairs the cross-compile check
// type-checks for. Default DefaultTargets.
func WithTargets(targets ...string) Option { return func(o *options) { o.targets = targets } }

type check struct {
	name string
	run  func(ctx context.Context, dir string, o options) (findings string, err error)
}

var checks = []check{
	{"gofmt", gofmtCheck},
	{"go vet", vetCheck},
	{"staticcheck", staticcheckCheck},
	{"cross-compile", crossCheck},
	{"actionlint", actionlintCheck},
	{"scripts", scriptsCheck},
	{"links", linksCheck},
}

// Run runs every check on the module in dir and fails if any found anything.
func Run(ctx context.Context, dir string, opts ...Option) error {
	o := options{output: io.Discard, packages: []string{"./..."}, tags: "mage", workflows: ".github/workflows/*.y*ml", targets: DefaultTargets,
		scripts: []string{"scripts", ".ci"}, docs: []string{"README.md", "docs/*.md"}}
	for _, opt := range opts {
		opt(&o)
	}
	overlay, remove, err := hideMainfile(dir)
	if err != nil {
		return err
	}
	defer remove()
	o.overlay = []string{overlay}
	var failed []string
	for _, c := range checks {
		if o.only != nil && !slices.Contains(o.only, c.name) {
			continue
		}
		findings, err := c.run(ctx, dir, o)
		if err != nil {
			return fmt.Errorf("running %s: %w", c.name, err)
		}
		if findings == "" {
			fmt.Fprintf(o.output, "%s: ok\n", c.name)
			continue
		}
		fmt.Fprintf(o.output, "%s:\n%s\n", c.name, strings.TrimRight(findings, "\n"))
		failed = append(failed, c.name)
	}
	if len(failed) > 0 {
		return fmt.Errorf("lint found problems: %s", strings.Join(failed, ", "))
	}
	return nil
}

// mainfile is the main package mage writes beside the magefile while it
// compiles it, and removes after.
const mainfile = "mage_output_file.go"

// hideMainfile writes an overlay for the go command (go help build,
// -overlay) in which mage's mainfile beside the magefile in dir does not
// exist, and returns the flag and a func that removes the overlay. Every
// check that lists or loads packages passes it: a `go tool mage` beside
// lint (a user's second command, or the tests in CI) may be compiling the
// magefile, and a go list that met the file half written would fail on
// it. The overlay changes no compile, so the cache is shared as before.
func hideMainfile(dir string) (flag string, remove func(), err error) {
	abs, err := filepath.Abs(filepath.Join(dir, mainfile))
	if err != nil {
		return "", nil, fmt.Errorf("hiding mage's mainfile from the checks: %w", err)
	}
	data, _ := json.Marshal(map[string]map[string]string{"Replace": {abs: ""}}) // strings alone: cannot fail
	f, err := os.CreateTemp("", "lint-overlay-*.json")
	if err != nil {
		return "", nil, fmt.Errorf("hiding mage's mainfile from the checks: %w", err)
	}
	remove = func() { os.Remove(f.Name()) }
	_, err = f.Write(data)
	if err = errors.Join(err, f.Close()); err != nil {
		remove()
		return "", nil, fmt.Errorf("hiding mage's mainfile from the checks: %w", err)
	}
	return "-overlay=" + f.Name(), remove, nil
}

// vetCheck runs go vet with the tags and build flags.
func vetCheck(ctx context.Context, dir string, o options) (string, error) {
	return eachConfig(ctx, dir, o, func(flags, packages []string) (string, error) {
		return runGo(ctx, dir, nil, slices.Concat([]string{"vet", "-tags", o.tags}, o.overlay, flags, packages)...)
	})
}

// eachConfig runs check on the packages with the build flags, and on
// those WithoutBuildFlagsFor names without them, and joins what they
// found.
func eachConfig(ctx context.Context, dir string, o options, check func(flags, packages []string) (string, error)) (string, error) {
	if len(o.plain) == 0 || len(o.buildFlags) == 0 {
		return check(o.buildFlags, o.packages)
	}
	listed, err := gotool.Output(ctx, dir, slices.Concat([]string{"list", "-e", "-tags", o.tags}, o.overlay, o.packages)...)
	if err != nil {
		return "", fmt.Errorf("listing the packages: %w", err)
	}
	var flagged []string
	for _, p := range strings.Fields(listed) {
		if !slices.Contains(o.plain, p) {
			flagged = append(flagged, p)
		}
	}
	var found []string
	for _, c := range []struct{ flags, packages []string }{{o.buildFlags, flagged}, {nil, o.plain}} {
		if len(c.packages) == 0 {
			continue // go vet and staticcheck would take the folder's package
		}
		f, err := check(c.flags, c.packages)
		if err != nil {
			return "", err
		}
		if f != "" {
			found = append(found, f)
		}
	}
	return strings.Join(found, "\n"), nil
}

// staticcheckCheck runs staticcheck, pinned in go.mod, with the tags. It
// loads the packages with the go command, which takes the build flags from
// GOFLAGS (the user's, from the environment or `go env -w`, and the
// overlay and build flags after them); the binary itself is built (go
// tool -n) without them. Both are found once for every configuration.
func staticcheckCheck(ctx context.Context, dir string, o options) (string, error) {
	bin, err := gotool.Output(ctx, dir, "tool", "-n", "staticcheck")
	if err != nil {
		return "", fmt.Errorf("building staticcheck: %w", err)
	}
	goflags, err := gotool.Goflags(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("reading GOFLAGS: %w", err)
	}
	return eachConfig(ctx, dir, o, func(flags, packages []string) (string, error) {
		all := []string{goflags}
		for _, f := range slices.Concat(o.overlay, flags) {
			all = append(all, quoteGoflag(f))
		}
		env := []string{"GOFLAGS=" + strings.TrimSpace(strings.Join(all, " "))}
		return findings(ctx, dir, env, strings.TrimSpace(bin), append([]string{"-tags", o.tags}, packages...)...)
	})
}

// quoteGoflag quotes a flag for GOFLAGS, which splits on spaces but keeps
// a quoted field whole (the overlay's path may hold a space, as a Windows
// user's temporary folder does). Quotes there escape nothing, so a flag
// with a single quote goes in double quotes.
func quoteGoflag(f string) string {
	switch {
	case !strings.ContainsAny(f, " \t\n'\""):
		return f
	case !strings.Contains(f, "'"):
		return "'" + f + "'"
	default:
		return `"` + f + `"`
	}
}

// runGo runs the go command with env added to this process's; what it
// says when it exits non-zero is the findings.
func runGo(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	return findings(ctx, dir, env, "go", args...)
}

// findings runs a checker: what it says when it exits non-zero is what it
// found; an exit of zero is nothing found, and a checker that cannot run
// is an error.
func findings(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, isExit := err.(*exec.ExitError); isExit {
		return out.String(), nil
	}
	return "", err
}

// gofmtCheck lists the files whose formatting gofmt would change, using the
// same printer in process instead of a gofmt binary that may be missing.
func gofmtCheck(ctx context.Context, dir string, o options) (string, error) {
	tmpl := `{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .TestGoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .XTestGoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}`
	out, err := gotool.Output(ctx, dir, slices.Concat([]string{"list", "-tags", o.tags, "-f", tmpl}, o.overlay, o.packages)...)
	if err != nil {
		return "", fmt.Errorf("listing files: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	var bad []string
	for _, path := range strings.Split(strings.TrimSpace(out), "\n") {
		if path == "" {
			continue
		}
		src, err := os.ReadFile(path)
		if rel, err := filepath.Rel(abs, path); err == nil {
			path = rel
		}
		if err != nil {
			return "", err
		}
		formatted, err := format.Source(src)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", path, err))
		} else if !bytes.Equal(src, formatted) {
			bad = append(bad, path+": not gofmt-ed (run gofmt -w "+path+")")
		}
	}
	return strings.Join(bad, "\n"), nil
}

// actionlintCheck checks the GitHub Actions workflows with actionlint,
// pinned in go.mod, and their run: scripts with shellcheck when it is
// installed; a module without workflows passes.
func actionlintCheck(ctx context.Context, dir string, o options) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, o.workflows))
	if err != nil || len(files) == 0 {
		return "", err
	}
	if _, err := exec.LookPath("shellcheck"); err != nil {
		if o.needShellcheck {
			return "", errors.New("shellcheck is not installed, so the workflows' run: scripts would go unchecked (on Debian: apt-get install shellcheck)")
		}
		fmt.Fprintln(o.output, "WARNING: shellcheck is not installed: actionlint checks the workflows without their run: scripts")
	}
	for i, f := range files {
		if rel, err := filepath.Rel(dir, f); err == nil {
			files[i] = rel
		}
	}
	return runGo(ctx, dir, nil, append([]string{"tool", "actionlint", "-no-color"}, files...)...)
}
