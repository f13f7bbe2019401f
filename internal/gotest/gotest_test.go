package gotest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// module writes a throwaway module of the given files for go test to run
// on, and returns its folder. Such a test skips under -short, and runs in
// parallel with the others.
func module(t *testing.T, files map[string]string) string {
	t.Helper()
	testenv.SkipIfShort(t, "runs go test")
	t.Parallel()
	files["go.mod"] = "module example.com/m\n\ngo 1.26\n"
	return testenv.WriteTree(t, t.TempDir(), files)
}

const (
	twoFuncs    = "package %s\nfunc Add(x, y int) int { return x + y }\nfunc Sub(x, y int) int { return x - y }\n"
	halfCovered = "package %s\nimport \"testing\"\nfunc TestAdd(t *testing.T) { if Add(1, 2) != 3 { t.Fatal() } }\n"
)

func src(format, pkg string) string { return strings.ReplaceAll(format, "%s", pkg) }

func TestRunCountsAndShowsFailures(t *testing.T) {
	dir := module(t, map[string]string{
		"a/a.go": src(twoFuncs, "a"),
		"a/a_test.go": `package a
import "testing"
func TestAdd(t *testing.T) { t.Log("quiet when passing"); if Add(1, 2) != 3 { t.Fatal() } }
func TestSub(t *testing.T) { t.Run("one", func(t *testing.T) {}) }
func TestFail(t *testing.T) { t.Errorf("boom %d", 42) }
func TestSkip(t *testing.T) { t.Skip("runc not installed") }
`,
		"b/b.go":   src(twoFuncs, "b"),
		"c/doc.go": "// Package c has no statements.\npackage c\n",
	})
	var out strings.Builder
	sum, err := Run(t.Context(), dir, WithRace(false), WithOutput(&out))
	if err == nil || !strings.Contains(err.Error(), "tests failed in example.com/m/a") {
		t.Fatalf("Run() error = %v, want tests failed in example.com/m/a", err)
	}
	want := []Package{
		{Path: "example.com/m/a", Passed: 3, Failed: 1, Skipped: 1, Coverage: 50, Ok: false},
		{Path: "example.com/m/b", Coverage: 0, Ok: true},
		{Path: "example.com/m/c", Coverage: -1, Ok: true},
	}
	if diff := cmp.Diff(want, sum.Packages, cmpopts.IgnoreFields(Package{}, "Elapsed")); diff != "" {
		t.Errorf("Run() packages (-want +got):\n%s", diff)
	}
	if sum.Passed != 3 || sum.Failed != 1 || sum.Skipped != 1 {
		t.Errorf("Run() totals = %d/%d/%d, want 3 passed, 1 failed, 1 skipped", sum.Passed, sum.Failed, sum.Skipped)
	}
	for _, want := range []string{"boom 42", "runc not installed", "FAIL\texample.com/m/a"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "quiet when passing") {
		t.Errorf("output shows a passing test's log:\n%s", out.String())
	}
	var table strings.Builder
	sum.WriteTable(&table, 80, "example.com/m")
	for _, want := range []string{"a  FAIL", "50.0% < 80%", "\ntest: 3 passed, 1 failed, 1 skipped\n"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

func TestRunCoverageFloor(t *testing.T) {
	dir := module(t, map[string]string{
		"full/f.go":      "package full\nfunc One() int { return 1 }\n",
		"full/f_test.go": "package full\nimport \"testing\"\nfunc TestOne(t *testing.T) { if One() != 1 { t.Fatal() } }\n",
		"half/h.go":      src(twoFuncs, "half"),
		"half/h_test.go": src(halfCovered, "half"),
	})
	profile := filepath.Join(dir, "dist", "coverage.out")
	tests := []struct {
		floor     float64
		exempt    string
		wantErr   string
		wantTable string
	}{
		{80, "", "coverage below 80%: example.com/m/half 50.0%", "50.0% < 80%"},
		{50, "", "", "50.0% "},
		{80, "example.com/m/half", "", "50.0% (no floor: needs Linux)"},
		{80, "example.com/m/full", "coverage below 80%: example.com/m/half 50.0%", "100.0% (no floor: needs Linux)"},
	}
	for _, tt := range tests {
		sum, err := Run(t.Context(), dir, WithRace(false), WithMinCoverage(tt.floor), WithCoverProfile(profile), WithExempt("needs Linux", tt.exempt))
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("Run(floor %v, exempt %q) error = %v, want %q", tt.floor, tt.exempt, err, tt.wantErr)
		}
		var table strings.Builder
		sum.WriteTable(&table, tt.floor, "example.com/m")
		if !strings.Contains(table.String(), tt.wantTable) {
			t.Errorf("Run(floor %v, exempt %q) table = %q, want it to contain %q", tt.floor, tt.exempt, table.String(), tt.wantTable)
		}
	}
	if data, err := os.ReadFile(profile); err != nil || !strings.HasPrefix(string(data), "mode: atomic") {
		t.Errorf("coverage profile = %.40q, %v; want an atomic-mode profile", data, err)
	}
	if _, err := os.Stat(profile + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary profile left behind")
	}
}

// The race detector really is on: a racy test passes without it and fails with it.
func TestRunRace(t *testing.T) {
	dir := module(t, map[string]string{
		"r/r.go":      "package r\nfunc Racy() int {\n\tn := 0\n\tdone := make(chan bool)\n\tgo func() { n++; done <- true }()\n\tn++\n\t<-done\n\treturn n\n}\n",
		"r/r_test.go": "package r\nimport \"testing\"\nfunc TestRacy(t *testing.T) { Racy() }\n",
		// Under -race, Run takes out the second each binary idles at exit.
		"r/pause_test.go": "//go:build race\n\npackage r\nimport (\"os\"; \"strings\"; \"testing\")\n" +
			"func TestPause(t *testing.T) { if g := os.Getenv(\"GORACE\"); !strings.Contains(g, \"atexit_sleep_ms=\") { t.Errorf(\"GORACE = %q, want atexit_sleep_ms set\", g) } }\n",
	})
	if ok, why := RaceSupported(t.Context(), "."); !ok {
		testenv.Need(t, "the race detector: "+why)
	}
	if _, err := Run(t.Context(), dir, WithRace(false)); err != nil {
		t.Errorf("Run(race off) = %v, want nil", err)
	}
	// A second run is a cached pass; a fresh one runs the tests again.
	var out strings.Builder
	if _, err := Run(t.Context(), dir, WithRace(false), WithOutput(&out)); err != nil || !strings.Contains(out.String(), "(cached)") {
		t.Errorf("Run(again) = %v, output %q; want a cached pass", err, out.String())
	}
	out.Reset()
	if _, err := Run(t.Context(), dir, WithRace(false), WithFresh(true), WithOutput(&out)); err != nil || strings.Contains(out.String(), "(cached)") {
		t.Errorf("Run(fresh) = %v, output %q; want a pass that was not cached", err, out.String())
	}
	out.Reset()
	if _, err := Run(t.Context(), dir, WithRace(true), WithOutput(&out)); err == nil || !strings.Contains(out.String(), "DATA RACE") {
		t.Errorf("Run(race on) = %v, output %q; want a failure that reports DATA RACE", err, out.String())
	}
	if strings.Contains(out.String(), "GORACE =") {
		t.Errorf("Run(race on) output %q; want GORACE with atexit_sleep_ms in the tests' environment", out.String())
	}
}

func TestNoExitPause(t *testing.T) {
	for _, tc := range []struct{ gorace, want string }{
		{"", "atexit_sleep_ms=0"},
		{"halt_on_error=1", "halt_on_error=1 atexit_sleep_ms=0"},
		{"atexit_sleep_ms=500 history_size=3", "atexit_sleep_ms=500 history_size=3"},
	} {
		if got := noExitPause(tc.gorace); got != tc.want {
			t.Errorf("noExitPause(%q) = %q, want %q", tc.gorace, got, tc.want)
		}
	}
}

func TestRunBuildFailure(t *testing.T) {
	dir := module(t, map[string]string{
		"x/x.go":      "package x\nfunc X() int { return \"not an int\" }\n",
		"x/x_test.go": "package x\nimport \"testing\"\nfunc TestX(t *testing.T) { X() }\n",
	})
	var out strings.Builder
	_, err := Run(t.Context(), dir, WithRace(false), WithOutput(&out))
	if err == nil || !strings.Contains(out.String(), "cannot use") {
		t.Errorf("Run(broken build) = %v, output %q; want an error and the compiler's message", err, out.String())
	}
}

func TestRace(t *testing.T) {
	if ok, _ := RaceSupported(t.Context(), "."); ok {
		var warn strings.Builder
		if on, err := Race(t.Context(), ".", true, &warn); !on || err != nil || warn.Len() > 0 {
			t.Errorf("Race(supported, required) = %v, %v, warning %q; want true, nil, none", on, err, warn.String())
		}
	}
	t.Setenv("CGO_ENABLED", "0") // the race detector needs cgo
	tests := []struct {
		required bool
		wantErr  string
		wantWarn string
	}{
		{true, "the race detector cannot run: cgo is off", ""},
		{false, "", "WARNING: testing WITHOUT the race detector: cgo is off"},
	}
	for _, tt := range tests {
		var warn strings.Builder
		on, err := Race(t.Context(), ".", tt.required, &warn)
		if on || (err == nil) != (tt.wantErr == "") || err != nil && !strings.HasPrefix(err.Error(), tt.wantErr) {
			t.Errorf("Race(no cgo, required %v) = %v, %v; want false, %q", tt.required, on, err, tt.wantErr)
		}
		if !strings.HasPrefix(warn.String(), tt.wantWarn) || tt.wantWarn == "" && warn.Len() > 0 {
			t.Errorf("Race(no cgo, required %v) warned %q, want %q", tt.required, warn.String(), tt.wantWarn)
		}
	}
}

func TestParallel(t *testing.T) {
	for _, tc := range []struct {
		goflags string
		procs   int
		want    []string
	}{
		{"", 2, []string{"-p", "4", "-parallel", "8"}},
		{"", 4, []string{"-p", "8", "-parallel", "16"}},
		{"", 0, []string{"-p", "2", "-parallel", "4"}},
		{"-mod=mod -trimpath -pgo=off", 2, []string{"-p", "4", "-parallel", "8"}},
		{"-p=1", 2, []string{"-parallel", "8"}},
		{"-mod=mod --p=3", 2, []string{"-parallel", "8"}},
		{"-parallel=3", 2, []string{"-p", "4"}},
		{"-p 1 --parallel=1", 2, nil},
	} {
		if got := parallel(tc.goflags, tc.procs); !slices.Equal(got, tc.want) {
			t.Errorf("parallel(%q, %d) = %q, want %q", tc.goflags, tc.procs, got, tc.want)
		}
	}
}

// WithoutRaceWhereLinked: the tests whose binaries link one of the named
// libraries (here through a test-only import too) run without the race
// detector, the rest with it, in one run whose table, totals and coverage
// profile hold both.
func TestRunWithoutRaceWhereLinked(t *testing.T) {
	const race = "//go:build race\n\npackage %s\n\nconst raceOn = true\n"
	const noRace = "//go:build !race\n\npackage %s\n\nconst raceOn = false\n"
	wantRace := func(pkg string, on bool) string {
		return fmt.Sprintf("package %s\nimport \"testing\"\nfunc TestRace(t *testing.T) { if raceOn != %v { t.Fatalf(\"raceOn = %%v\", raceOn) } }\n", pkg, on)
	}
	dir := module(t, map[string]string{
		"heavy/lib/lib.go": "package lib\nfunc One() int { return 1 }\n",
		"a/a.go":           "package a\nimport \"example.com/m/heavy/lib\"\nfunc A() int { return lib.One() }\n",
		"a/a_test.go":      wantRace("a", false),
		"a/race_test.go":   src(race, "a"),
		"a/norace_test.go": src(noRace, "a"),
		"b/b.go":           "package b\nfunc B() int { return 2 }\n",
		"b/b_test.go":      "package b\nimport (\"testing\"; \"example.com/m/heavy/lib\")\nfunc TestB(t *testing.T) { if B() != 1+lib.One() { t.Fatal() }; if raceOn { t.Fatal(\"race on\") } }\n",
		"b/race_test.go":   src(race, "b"),
		"b/norace_test.go": src(noRace, "b"),
		"c/c.go":           "package c\nfunc C() int { return 3 }\n",
		"c/c_test.go":      wantRace("c", true),
		"c/race_test.go":   src(race, "c"),
		"c/norace_test.go": src(noRace, "c"),
		"other/other.go":   "package other\nfunc Two() int { return 2 }\n",
		"d/d.go":           "package d\nimport \"example.com/m/other\"\nfunc D() int { return other.Two() }\n",
		"d/d_test.go":      wantRace("d", false),
		"d/race_test.go":   src(race, "d"),
		"d/norace_test.go": src(noRace, "d"),
	})
	if ok, why := RaceSupported(t.Context(), "."); !ok {
		testenv.Need(t, "the race detector: "+why)
	}
	profile := filepath.Join(dir, "coverage.out")
	var out strings.Builder
	sum, err := Run(t.Context(), dir, WithMinCoverage(0), WithCoverProfile(profile), WithOutput(&out),
		WithoutRaceWhereLinked("no goroutines", "example.com/m/heavy", "example.com/m/other"))
	if err != nil {
		t.Fatalf("Run() = %v, want nil; output:\n%s", err, out.String())
	}
	var got []string
	for _, p := range sum.Packages {
		got = append(got, fmt.Sprintf("%s %d %q", p.Path, p.Passed, p.RaceFree))
	}
	want := []string{`example.com/m/a 1 "no goroutines"`, `example.com/m/b 1 "no goroutines"`, `example.com/m/c 1 ""`, `example.com/m/d 1 "no goroutines"`, `example.com/m/heavy/lib 0 ""`, `example.com/m/other 0 ""`}
	if diff := cmp.Diff(want, got); diff != "" || sum.Passed != 4 {
		t.Errorf("Run() packages (-want +got):\n%s; passed %d, want 4", diff, sum.Passed)
	}
	if !strings.Contains(out.String(), "gotest: without the race detector, as they link example.com/m/heavy or example.com/m/other (no goroutines): example.com/m/a example.com/m/b example.com/m/d\n") {
		t.Errorf("output lacks the line naming the packages without the race detector:\n%s", out.String())
	}
	var table strings.Builder
	sum.WriteTable(&table, 0, "example.com/m")
	if !strings.Contains(table.String(), "\nwithout the race detector (no goroutines): a, b, d\ntest: 4 passed, 0 failed, 0 skipped\n") {
		t.Errorf("table = %q, want a line naming a, b and d before the count", table.String())
	}
	data, err := os.ReadFile(profile)
	if err != nil || strings.Count(string(data), "mode: atomic") != 1 {
		t.Fatalf("coverage profile = %q, %v; want one atomic-mode profile", data, err)
	}
	for _, f := range []string{"a/a.go", "b/b.go", "c/c.go", "d/d.go"} {
		if !strings.Contains(string(data), "example.com/m/"+f) {
			t.Errorf("coverage profile lacks %s:\n%s", f, data)
		}
	}
	if left, _ := filepath.Glob(profile + ".*"); len(left) > 0 {
		t.Errorf("temporary profiles left behind: %v", left)
	}
}

// go test's vet is off: a printf mistake that it fails the package for
// passes; a -vet in the user's GOFLAGS stands, and then it fails.
func TestRunVet(t *testing.T) {
	for _, tt := range []struct {
		goflags string
		wantErr bool
	}{{"", false}, {"-vet=printf", true}} {
		t.Run("GOFLAGS="+tt.goflags, func(t *testing.T) {
			testenv.SkipIfShort(t, "runs go test")
			t.Setenv("GOFLAGS", tt.goflags) // and so not module's t.Parallel
			dir := testenv.WriteTree(t, t.TempDir(), map[string]string{
				"go.mod":      "module example.com/m\n\ngo 1.26\n",
				"a/a.go":      src(twoFuncs, "a"),
				"a/a_test.go": "package a\nimport (\"fmt\"; \"testing\")\nfunc TestAdd(t *testing.T) { _ = fmt.Sprintf(\"%d\", \"x\"); if Add(1, 2) != 3 { t.Fatal() } }\n",
			})
			var out strings.Builder
			sum, err := Run(t.Context(), dir, WithRace(false), WithMinCoverage(0), WithOutput(&out))
			if (err != nil) != tt.wantErr || !tt.wantErr && sum.Passed != 1 || tt.wantErr && !strings.Contains(out.String(), "wrong type string") {
				t.Errorf("Run(GOFLAGS=%q) = %v, %d passed, want error %v; output:\n%s", tt.goflags, err, sum.Passed, tt.wantErr, out.String())
			}
		})
	}
}

// TestRunWithoutInstrumenting runs a test of racy code with the race
// detector twice: it fails while the code is instrumented, and passes, with
// the table saying so, once WithoutInstrumenting leaves the code out.
func TestRunWithoutInstrumenting(t *testing.T) {
	dir := module(t, map[string]string{
		"lib/lib.go":  "package lib\nfunc Race() int { x := 0; done := make(chan bool); go func() { x = 1; done <- true }(); x = 2; <-done; return x }\n",
		"a/a_test.go": "package a\nimport (\"testing\"; \"example.com/m/lib\")\nfunc TestRace(t *testing.T) { lib.Race() }\n",
	})
	if ok, why := RaceSupported(t.Context(), "."); !ok {
		testenv.Need(t, "the race detector: "+why)
	}
	var out strings.Builder
	if _, err := Run(t.Context(), dir, WithMinCoverage(0), WithOutput(&out)); err == nil || !strings.Contains(out.String(), "DATA RACE") {
		t.Fatalf("Run() of racy code, instrumented = %v, want a data race; output:\n%s", err, out.String())
	}
	out.Reset()
	sum, err := Run(t.Context(), dir, WithMinCoverage(0), WithOutput(&out), WithoutInstrumenting("hot loops", "example.com/m/lib/..."))
	if err != nil || sum.Passed != 1 {
		t.Fatalf("Run() of racy code, not instrumented = %v, %d passed; want nil, 1; output:\n%s", err, sum.Passed, out.String())
	}
	var table strings.Builder
	sum.WriteTable(&table, 0, "example.com/m")
	if want := "\nnot instrumented by the race detector: example.com/m/lib/... (hot loops)\ntest: 1 passed"; !strings.Contains(table.String(), want) {
		t.Errorf("table = %q, want it to contain %q", table.String(), want)
	}
}

func TestRaceFlags(t *testing.T) {
	got := RaceFlags("a/...", "b")
	want := []string{"-race", "-gcflags=a/...=-race=false", "-gcflags=b=-race=false"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RaceFlags(a/..., b) (-want +got):\n%s", diff)
	}
}

// TestRunTwoAtOnce runs the same module's tests twice at once, as two
// `go tool mage test` in one checkout would: each writes its coverage
// profile under a name of its own before renaming it into place, and they
// share the kept test binaries.
func TestRunTwoAtOnce(t *testing.T) {
	dir := module(t, map[string]string{"a/a.go": src(twoFuncs, "a"), "a/a_test.go": src(halfCovered, "a")})
	profile, keep := filepath.Join(dir, "dist", "coverage.out"), filepath.Join(dir, "dist", "test")
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			sum, err := Run(t.Context(), dir, WithRace(false), WithFresh(true), WithMinCoverage(0), WithCoverProfile(profile), WithBinaries(keep))
			if err == nil && sum.Passed != 1 {
				err = fmt.Errorf("%d passed, want 1", sum.Passed)
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Run() beside another = %v, want nil", err)
		}
	}
	if data, err := os.ReadFile(profile); err != nil || !strings.HasPrefix(string(data), "mode: atomic\n") || !strings.Contains(string(data), "example.com/m/a/a.go") {
		t.Errorf("coverage profile = %q, %v; want a's profile", data, err)
	}
	if fi, err := os.Stat(profile); err != nil || fi.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("coverage profile's mode = %v, %v; want it readable by all, as go test writes it", fi.Mode(), err)
	}
	if left, _ := filepath.Glob(profile + ".*"); len(left) > 0 {
		t.Errorf("temporary profiles left behind: %v", left)
	}
}

// TestRunUserGcflagsStand runs racy code with WithoutInstrumenting and a
// -gcflags in the user's GOFLAGS, set in their go env file (go env -w),
// not in the environment: ours would replace the user's for the packages
// they match, so none is added, the code is instrumented, and the race
// fails its test.
func TestRunUserGcflagsStand(t *testing.T) {
	testenv.SkipIfShort(t, "runs go test")
	if ok, why := RaceSupported(t.Context(), "."); !ok {
		testenv.Need(t, "the race detector: "+why)
	}
	envFile := filepath.Join(t.TempDir(), "env")
	testenv.WriteFile(t, envFile, "GOFLAGS=-gcflags=example.com/m/a=-N\nGOTOOLCHAIN=local\n")
	t.Setenv("GOENV", envFile)
	t.Setenv("GOFLAGS", "")
	dir := testenv.WriteTree(t, t.TempDir(), map[string]string{
		"go.mod":      "module example.com/m\n\ngo 1.26\n",
		"lib/lib.go":  "package lib\nfunc Race() int { x := 0; done := make(chan bool); go func() { x = 1; done <- true }(); x = 2; <-done; return x }\n",
		"a/a_test.go": "package a\nimport (\"testing\"; \"example.com/m/lib\")\nfunc TestRace(t *testing.T) { lib.Race() }\n",
	})
	var out strings.Builder
	sum, err := Run(t.Context(), dir, WithMinCoverage(0), WithOutput(&out), WithoutInstrumenting("hot loops", "example.com/m/lib/..."))
	if err == nil || !strings.Contains(out.String(), "DATA RACE") || sum.Uninstrumented != "" {
		t.Errorf("Run() with GOFLAGS=-gcflags=… in the go env file = %v, Uninstrumented %q; want a data race and nothing left out; output:\n%s", err, sum.Uninstrumented, out.String())
	}
}
