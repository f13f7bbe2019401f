package lint

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/gotest"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// only makes Run run the checks named, and no other.
func only(names ...string) Option { return func(o *options) { o.only = names } }

// fixture is Run's options for a test of the checks named: on the fixture
// packages, with no documents. The module's own scripts, workflows and
// documents, whose checks take seconds per Run, are checked once, by
// TestRun's "clean" case. opts come after, so they win.
func fixture(checks []string, opts ...Option) []Option {
	return append([]Option{only(checks...), WithPackages("./internal/lint/testdata/clean"), WithDocs()}, opts...)
}

func TestRun(t *testing.T) {
	testenv.SkipIfShort(t, "runs the linters")
	root, _ := filepath.Abs("../..")
	tests := []struct {
		name     string
		packages []string
		docs     []string
		wantErr  string
		wantOut  []string
		notOut   []string
	}{
		// clean checks this module's own scripts, workflows, README.md and
		// docs/ too; the other cases check only their fixtures.
		{"clean", []string{"./internal/lint/testdata/clean"}, nil, "", []string{"gofmt: ok", "go vet: ok", "staticcheck: ok", "cross-compile: ok", "actionlint: ok", "scripts: ok", "links: ok"}, nil},
		{"broken links", []string{"./internal/lint/testdata/clean"}, []string{"internal/lint/testdata/links/*.md"}, "lint found problems: links",
			[]string{"links:\n", "internal/lint/testdata/links/broken.md:4: docs/clients.md → no such file or folder internal/lint/testdata/links/docs/clients.md\n",
				"broken.md:4: #nowhere → no heading #nowhere in internal/lint/testdata/links/broken.md"}, nil},
		// One case for the three fixtures, so that the standard library is
		// type-checked once per target: darwin/arm64 finds the Linux-only
		// calls of linuxonly alone, windows/amd64 those of the test and of
		// the file behind the mage tag too.
		{"linux-only calls", []string{"./internal/lint/testdata/cross/..."}, nil, "lint found problems: cross-compile",
			[]string{"go vet: ok", "cross-compile:\ndarwin/arm64:\n" +
				"internal/lint/testdata/cross/linuxonly/linuxonly.go:8:29: undefined: syscall.SYS_PRCTL\n" +
				"internal/lint/testdata/cross/linuxonly/linuxonly.go:8:48: undefined: syscall.PR_SET_PDEATHSIG\n" +
				"windows/amd64:\n" +
				"internal/lint/testdata/cross/linuxonly/linuxonly.go:8:10: undefined: syscall.RawSyscall\n" +
				"internal/lint/testdata/cross/linuxonly/linuxonly.go:8:29: undefined: syscall.SYS_PRCTL\n" +
				"internal/lint/testdata/cross/linuxonly/linuxonly.go:8:48: undefined: syscall.PR_SET_PDEATHSIG\n" +
				"internal/lint/testdata/cross/mageonly/targets.go:8:37: unknown field Setpgid in struct literal of type syscall.SysProcAttr\n" +
				"internal/lint/testdata/cross/testonly/testonly_test.go:10:10: undefined: syscall.Kill\n"}, nil},
		{"vet finding", []string{"./internal/lint/testdata/vet"}, nil, "lint found problems: go vet, staticcheck",
			[]string{"gofmt: ok", "format %d has arg"}, nil},
		{"staticcheck finding", []string{"./internal/lint/testdata/static"}, nil, "lint found problems: staticcheck",
			[]string{"go vet: ok", "SA4017"}, nil},
		{"no such package", []string{"./internal/lint/testdata/missing"}, nil, "running gofmt: listing files", nil, nil},
	}
	// The cases run one after another, not in parallel: go vet and
	// staticcheck in each would compute the same facts of the standard
	// library at the same moment (go commands share no work in flight);
	// one after another, the first computes them and the others find them
	// in the cache: 10% less CPU for the package, in the same time.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			opts := []Option{WithPackages(tt.packages...), WithOutput(&out)}
			switch tt.name {
			case "clean":
			case "vet finding", "staticcheck finding":
				// The checks their error and output name: the cross-compile
				// check would type-check fmt for two targets, 2.5 s of CPU
				// under -race that "linux-only calls" already spends.
				opts = fixture([]string{"gofmt", "go vet", "staticcheck"}, opts...)
			case "broken links":
				// The links alone: the code checks would go over the
				// clean fixture again, as "clean" does.
				opts = fixture([]string{"links"}, append(opts, WithDocs(tt.docs...))...)
			default:
				opts = fixture([]string{"gofmt", "go vet", "staticcheck", "cross-compile", "links"}, append(opts, WithDocs(tt.docs...))...)
			}
			err := Run(t.Context(), root, opts...)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr && !strings.HasPrefix(err.Error(), tt.wantErr)) {
				t.Fatalf("Run(%v) = %v, want %q\n%s", tt.packages, err, tt.wantErr, out.String())
			}
			testenv.Contains(t, fmt.Sprintf("Run(%v) output", tt.packages), out.String(), tt.wantOut, tt.notOut)
		})
	}
}

// WithBuildFlags reaches go vet and staticcheck: a file behind the race
// build tag is checked with -race, and only then.
func TestBuildFlags(t *testing.T) {
	testenv.SkipIfShort(t, "runs the linters")
	root, _ := filepath.Abs("../..")
	if ok, why := gotest.RaceSupported(t.Context(), root); !ok {
		testenv.Need(t, "go vet -race: "+why)
	}
	const race, other = "github.com/lehus1/devops-info-service-go/internal/lint/testdata/race", "github.com/lehus1/devops-info-service-go/internal/atomicfile"
	tests := []struct {
		flags   []string
		plain   []string // WithoutBuildFlagsFor
		wantErr string
		want    []string
	}{
		{nil, nil, "", []string{"go vet: ok", "staticcheck: ok"}},
		{[]string{"-race"}, nil, "lint found problems: go vet, staticcheck", []string{"format %d has arg s of wrong type string", "SA4017"}},
		{[]string{"-race"}, []string{race}, "", []string{"go vet: ok", "staticcheck: ok"}},
		{[]string{"-race"}, []string{other}, "lint found problems: go vet, staticcheck", []string{"format %d has arg s of wrong type string", "SA4017"}},
	}
	for _, tt := range tests {
		// One after another, as TestRun's cases.
		t.Run(strings.Join(append(append([]string{"flags"}, tt.flags...), tt.plain...), " "), func(t *testing.T) {
			var out strings.Builder
			opts := fixture([]string{"go vet", "staticcheck"}, WithPackages("./internal/lint/testdata/race"), WithBuildFlags(tt.flags...), WithoutBuildFlagsFor(tt.plain...), WithOutput(&out))
			err := Run(t.Context(), root, opts...)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Fatalf("Run(build flags %q, not for %q) = %v, want %q\n%s", tt.flags, tt.plain, err, tt.wantErr, out.String())
			}
			testenv.Contains(t, fmt.Sprintf("Run(build flags %q, not for %q) output", tt.flags, tt.plain), out.String(), tt.want, nil)
		})
	}
}

func TestGofmtCheck(t *testing.T) {
	dir := testenv.WriteTree(t, t.TempDir(), map[string]string{
		"go.mod":    "module example.com/f\n\ngo 1.26\n",
		"ok.go":     "package f\n\nfunc A() {}\n",
		"ugly.go":   "package f\nfunc  B( ) {  }\n",
		"broken.go": "package f\nfunc C( {\n",
		"tagged.go": "//go:build mage\n\npackage f\nfunc  D() {}\n",
	})
	got, err := gofmtCheck(t.Context(), dir, options{packages: []string{"."}, tags: "mage"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ugly.go: not gofmt-ed", "tagged.go: not gofmt-ed", "broken.go:"} {
		if !strings.Contains(got, want) {
			t.Errorf("gofmtCheck() = %q, want it to name %q", got, want)
		}
	}
	if strings.Contains(got, "ok.go") {
		t.Errorf("gofmtCheck() = %q names a formatted file", got)
	}
}

func TestActionlint(t *testing.T) {
	testenv.SkipIfShort(t, "runs actionlint")
	t.Parallel()
	root, _ := filepath.Abs("../..")
	var out strings.Builder
	err := Run(t.Context(), root, fixture([]string{"actionlint"}, WithWorkflows("internal/lint/testdata/workflows/*.yml"), WithOutput(&out))...)
	if err == nil || err.Error() != "lint found problems: actionlint" || !strings.Contains(out.String(), "timeout-minutes") {
		t.Errorf("Run(bad workflow) = %v, want an actionlint finding\n%s", err, out.String())
	}
}

// Without shellcheck, actionlint passes a workflow whose run: script is
// wrong; so a missing shellcheck is an error when it is required (CI) and a
// warning otherwise.
func TestShellcheckRequired(t *testing.T) {
	testenv.SkipIfShort(t, "runs the linters")
	root, _ := filepath.Abs("../..")
	goDir := filepath.Dir(mustLookPath(t, "go"))
	t.Setenv("PATH", goDir) // go, but no shellcheck
	tests := []struct {
		required bool
		wantErr  string
		wantOut  string
	}{
		{true, "running actionlint: shellcheck is not installed", ""},
		{false, "", "WARNING: shellcheck is not installed"},
	}
	for _, tt := range tests {
		var out strings.Builder
		err := Run(t.Context(), root, fixture([]string{"actionlint", "scripts"}, WithWorkflows("internal/lint/testdata/shellcheck/*.yml"),
			WithScripts("internal/lint/testdata/scripts/clean"), WithShellcheckRequired(tt.required), WithOutput(&out))...)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)) {
			t.Errorf("Run(required=%v) = %v, want %q\n%s", tt.required, err, tt.wantErr, out.String())
		}
		if !strings.Contains(out.String(), tt.wantOut) {
			t.Errorf("Run(required=%v) output lacks %q:\n%s", tt.required, tt.wantOut, out.String())
		}
	}
}

// With shellcheck installed, a run: script's mistake is a finding.
func TestShellcheckFinding(t *testing.T) {
	testenv.MustHaveExec(t, "shellcheck", "apt-get install shellcheck")
	t.Parallel()
	root, _ := filepath.Abs("../..")
	var out strings.Builder
	err := Run(t.Context(), root, fixture([]string{"actionlint"}, WithWorkflows("internal/lint/testdata/shellcheck/*.yml"), WithOutput(&out))...)
	if err == nil || !strings.Contains(out.String(), "SC2086") {
		t.Errorf("Run(unquoted variable in run:) = %v, want a shellcheck SC2086 finding\n%s", err, out.String())
	}
}

func mustLookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Go programs under scripts/ are not in any package, so they get gofmt and
// go vet one file at a time; shell scripts get shellcheck.
func TestScripts(t *testing.T) {
	testenv.MustHaveExec(t, "shellcheck", "apt-get install shellcheck")
	root, _ := filepath.Abs("../..")
	// An unformatted program is made here, not committed, so that the
	// repository itself stays gofmt-clean.
	ugly := t.TempDir()
	os.WriteFile(filepath.Join(ugly, "ugly.go"), []byte("//go:build ignore\n\npackage main\nfunc  main() {}\n"), 0o644)
	tests := []struct {
		dir     string
		wantErr bool
		want    []string
	}{
		{"internal/lint/testdata/scripts/clean", false, []string{"scripts: ok"}},
		{"internal/lint/testdata/scripts/bad", true, []string{"vet.go:7", "Printf format %d has arg", "unquoted:3:4: note: Double quote to prevent globbing"}},
		{ugly, true, []string{"ugly.go: not gofmt-ed"}},
		{"internal/lint/testdata/scripts/missing", false, []string{"scripts: ok"}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			err := Run(t.Context(), root, fixture([]string{"scripts"}, WithScripts(tt.dir), WithOutput(&out))...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Run(scripts in %s) = %v, want error %v\n%s", tt.dir, err, tt.wantErr, out.String())
			}
			testenv.Contains(t, fmt.Sprintf("Run(scripts in %s) output", tt.dir), out.String(), tt.want, nil)
			if strings.Contains(out.String(), "hello") || strings.Contains(out.String(), "notes.txt") {
				t.Errorf("Run(scripts in %s) reports a clean file:\n%s", tt.dir, out.String())
			}
		})
	}
}

// While a `go tool mage` beside lint compiles the magefile, mage's
// mainfile stands half written beside it: the checks do not see it, and
// the overlay that hides it is gone after.
func TestRunHidesMagesMainfile(t *testing.T) {
	testenv.SkipIfShort(t, "runs go vet and type-checks for two targets")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := testenv.WriteTree(t, t.TempDir(), map[string]string{
		"go.mod":      "module example.com/m\n\ngo 1.26\n",
		"magefile.go": "//go:build mage\n\npackage main\n\n// Hello says hello.\nfunc Hello() {}\n",
		mainfile:      "", // created, not yet written
	})
	// One check a run, so that each is seen to pass the overlay on.
	for _, check := range []string{"gofmt", "go vet", "cross-compile"} {
		var out strings.Builder
		if err := Run(t.Context(), dir, fixture([]string{check}, WithPackages("./..."), WithOutput(&out))...); err != nil || out.String() != check+": ok\n" {
			t.Errorf("Run(%s, module with a half-written %s) = %v, %q; want %q", check, mainfile, err, out.String(), check+": ok\n")
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("Run left %q in TMPDIR, want its overlay removed", left[0].Name())
	}
}

func TestQuoteGoflag(t *testing.T) {
	for _, tt := range []struct{ flag, want string }{
		{"-race", "-race"},
		{"-overlay=/tmp/lint-overlay-1.json", "-overlay=/tmp/lint-overlay-1.json"},
		{`-overlay=C:\Users\Ann Lee\AppData\Local\Temp\lint-overlay-1.json`, `'-overlay=C:\Users\Ann Lee\AppData\Local\Temp\lint-overlay-1.json'`},
		{`-overlay=C:\Users\Ann O'Neil\Temp\lint-overlay-1.json`, `"-overlay=C:\Users\Ann O'Neil\Temp\lint-overlay-1.json"`},
	} {
		if got := quoteGoflag(tt.flag); got != tt.want {
			t.Errorf("quoteGoflag(%q) = %q, want %q", tt.flag, got, tt.want)
		}
	}
}
