// Package gotest runs a module's tests with the race detector and coverage,
// shows what failed as it happens, and holds every package to a coverage
// floor.
package gotest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/gotool"
)

// Package is what one package's tests came to.
type Package struct {
	Path                    string
	Passed, Failed, Skipped int
	// Coverage is the percentage of statements run; -1 for a package that
	// has no statements to cover.
	Coverage float64
	Ok       bool
	Elapsed  time.Duration
	// Exempt says why the package is not held to the floor here; empty
	// when it is.
	Exempt string
	// RaceFree says why the package's tests ran without the race
	// detector (WithoutRaceWhereLinked); empty when they ran with it or
	// the whole run was without it.
	RaceFree string
}

// Summary is a whole run.
type Summary struct {
	Packages                []Package
	Passed, Failed, Skipped int
	// Uninstrumented says which code the race detector left out, and
	// why (WithoutInstrumenting); empty when none was.
	Uninstrumented string
}

// MinCoverage is the floor, in percent, for app/ and every pipeline
// package: Run's default.
const MinCoverage = 80

type options struct {
	race        bool
	minCoverage float64
	profile     string
	output      io.Writer
	packages    []string
	fresh       bool
	exempt      map[string]string
	history     string
	raceFree    raceFree
	binaries    string
	plain       []string // package patterns the race detector does not instrument
	plainWhy    string
	goflags     string // the user's GOFLAGS, as go env gives them
}

// Option changes how Run works.
type Option func(*options)

// WithRace turns the race detector on or off. Default on.
func WithRace(on bool) Option { return func(o *options) { o.race = on } }

// WithMinCoverage sets the floor, in percent, that every package with
// statements must reach. Default MinCoverage.
func WithMinCoverage(percent float64) Option { return func(o *options) { o.minCoverage = percent } }

// WithCoverProfile writes the merged coverage profile to path. Default none.
func WithCoverProfile(path string) Option { return func(o *options) { o.profile = path } }

// WithOutput sets where go test's package lines and the output of failed
// and skipped tests go, as they happen. Default nowhere.
func WithOutput(w io.Writer) Option { return func(o *options) { o.output = w } }

// WithFresh runs every test even when go test has a cached result
// (-count=1), as CI should: a cached pass says nothing about this machine.
// Default off.
func WithFresh(on bool) Option { return func(o *options) { o.fresh = on } }

// WithExempt leaves the packages (import paths) out of the coverage floor
// for the reason why, which the table shows: their coverage is still
// measured and reported. For tests that cannot run on this machine at all,
// such as runc's off Linux. Default none.
func WithExempt(why string, paths ...string) Option {
	return func(o *options) {
		if o.exempt == nil {
			o.exempt = map[string]string{}
		}
		for _, p := range paths {
			o.exempt[p] = why
		}
	}
}

// WithHistory starts the packages that took longest in the last run
// first, as recorded at path, and records this run's times there. Default
// none: the packages run in go list's order.
func WithHistory(path string) Option { return func(o *options) { o.history = path } }

// WithoutInstrumenting leaves the packages that patterns match (go
// package patterns, such as "example.com/lib/...") out of the race
// detector's instrumentation (RaceFlags), for the reason why, which the
// table names: the tests still run with the race detector, which does
// not see those packages' memory accesses. For a library whose hot loops
// instrumentation slows many times over. Default none.
func WithoutInstrumenting(why string, patterns ...string) Option {
	return func(o *options) { o.plain, o.plainWhy = patterns, why }
}

// RaceFlags are the go build flags of a build with the race detector
// that does not instrument the packages that patterns match: -race, and
// -gcflags=<pattern>=-race=false for each (the go command gives the
// compiler a package's -gcflags after its own -race).
func RaceFlags(patterns ...string) []string {
	flags := []string{"-race"}
	for _, p := range patterns {
		flags = append(flags, "-gcflags="+p+"=-race=false")
	}
	return flags
}

// Compression is the library whose code this module's tests leave out
// of the race detector's instrumentation (WithoutInstrumenting), and why;
// lint vets with the same flags, so that the two share the compiled
// library.
const (
	CompressionLibrary = "github.com/klauspost/compress/..."
	CompressionWhy     = "gzip of a 7 MB layer takes 1.2 s instrumented, 0.16 s not"
)

// WithPackages sets the package patterns. Default "./...".
func WithPackages(patterns ...string) Option { return func(o *options) { o.packages = patterns } }

// Run runs the tests of the module in dir. The error says what failed:
// tests, the build, or the coverage floor; the summary is filled in either way.
// go test's own vet (ten analyzers before each package's tests) is off
// unless GOFLAGS sets -vet: lint runs go vet with every analyzer.
func Run(ctx context.Context, dir string, opts ...Option) (Summary, error) {
	o := options{race: true, minCoverage: MinCoverage, output: io.Discard, packages: []string{"./..."}}
	for _, opt := range opts {
		opt(&o)
	}
	o.goflags = userGoflags(ctx, dir)
	if hasFlag(o.goflags, "gcflags") {
		o.plain = nil // the user's -gcflags stand: ours would replace them for the packages matched
	}
	var tmpProfile string
	if o.profile != "" {
		if err := os.MkdirAll(filepath.Dir(o.profile), 0o755); err != nil {
			return Summary{}, fmt.Errorf("running tests: %w", err)
		}
		// A name of this run's own: a run beside this one in the same
		// checkout writes its profile beside it, not over it.
		f, err := os.CreateTemp(filepath.Dir(o.profile), filepath.Base(o.profile)+".*.tmp")
		if err != nil {
			return Summary{}, fmt.Errorf("running tests: %w", err)
		}
		// Readable by all, as go test's own profile would be.
		err = f.Chmod(0o644)
		f.Close()
		if err != nil {
			return Summary{}, fmt.Errorf("running tests: %w", err)
		}
		tmpProfile = f.Name()
		defer os.Remove(tmpProfile)
	}
	var history map[string]time.Duration
	if o.history != "" {
		history = readHistory(o.history)
	}
	var runs []goTest
	if o.race && len(o.raceFree.libraries) > 0 {
		runs = o.raceFree.split(ctx, dir, o.packages, history, o.output)
	} else {
		pkgs, listed := longestFirst(ctx, dir, o.packages, history)
		runs = []goTest{{race: o.race, packages: pkgs, listed: listed}}
	}
	if o.binaries != "" && o.fresh {
		runs = keepBinaries(ctx, dir, runs, o.binaries)
	}
	sum, parseErr, waitErr := runAll(ctx, dir, o, runs, tmpProfile)
	if o.race && len(o.plain) > 0 {
		sum.Uninstrumented = strings.Join(o.plain, ", ") + " (" + o.plainWhy + ")"
	}
	if ctx.Err() != nil {
		return sum, fmt.Errorf("running tests: %w", ctx.Err())
	}
	if parseErr != nil {
		return sum, fmt.Errorf("reading go test's output: %w", parseErr)
	}
	if o.history != "" {
		if err := writeHistory(o.history, sum); err != nil {
			fmt.Fprintf(o.output, "gotest: recording how long each package took: %v\n", err)
		}
	}
	if tmpProfile != "" && waitErr == nil {
		if err := os.Rename(tmpProfile, o.profile); err != nil {
			return sum, fmt.Errorf("saving the coverage profile: %w", err)
		}
	}
	return sum, sum.check(waitErr, o.minCoverage)
}

func (s Summary) check(waitErr error, floor float64) error {
	var failed []string
	for _, p := range s.Packages {
		if !p.Ok {
			failed = append(failed, p.Path)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("tests failed in %s", strings.Join(failed, ", "))
	}
	if waitErr != nil {
		return fmt.Errorf("go test: %w", waitErr)
	}
	if low := s.Below(floor); len(low) > 0 {
		var parts []string
		for _, p := range low {
			parts = append(parts, fmt.Sprintf("%s %.1f%%", p.Path, p.Coverage))
		}
		return fmt.Errorf("coverage below %.0f%%: %s (add tests for what they leave out)", floor, strings.Join(parts, ", "))
	}
	return nil
}

// Below lists the packages with statements whose coverage is under floor,
// but for the exempt.
func (s Summary) Below(floor float64) []Package {
	var out []Package
	for _, p := range s.Packages {
		if p.Coverage >= 0 && p.Coverage < floor && p.Exempt == "" {
			out = append(out, p)
		}
	}
	return out
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

var coverageLine = regexp.MustCompile(`coverage: ([0-9.]+)% of statements`)

// parse reads go test's events. Package lines and the output of failed and
// skipped tests go to out as they come; a passing test's output is dropped.
func parse(r io.Reader, out io.Writer) (Summary, error) {
	var sum Summary
	pkgs := map[string]*Package{}
	pkg := func(path string) *Package {
		if p, ok := pkgs[path]; ok {
			return p
		}
		p := &Package{Path: path, Coverage: -1}
		pkgs[path] = p
		return p
	}
	testOutput := map[string]*bytes.Buffer{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(out, sc.Text()) // not an event: say it as it is
			continue
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "build-output":
			io.WriteString(out, e.Output)
		case e.Action == "output" && e.Test == "":
			if m := coverageLine.FindStringSubmatch(e.Output); m != nil {
				pkg(e.Package).Coverage, _ = strconv.ParseFloat(m[1], 64)
			}
			if !strings.HasPrefix(e.Output, "coverage:") && e.Output != "PASS\n" && e.Output != "FAIL\n" {
				io.WriteString(out, e.Output)
			}
		case e.Action == "output":
			if testOutput[key] == nil {
				testOutput[key] = &bytes.Buffer{}
			}
			testOutput[key].WriteString(e.Output)
		case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			p := pkg(e.Package)
			switch e.Action {
			case "pass":
				p.Passed++
			case "fail":
				p.Failed++
			case "skip":
				p.Skipped++
			}
			if e.Action != "pass" && testOutput[key] != nil {
				out.Write(testOutput[key].Bytes())
			}
			delete(testOutput, key)
		case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			p := pkg(e.Package)
			p.Ok = e.Action != "fail"
			p.Elapsed = time.Duration(e.Elapsed * float64(time.Second))
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return sum, err
	}
	for _, p := range pkgs {
		sum.Packages = append(sum.Packages, *p)
		sum.Passed += p.Passed
		sum.Failed += p.Failed
		sum.Skipped += p.Skipped
	}
	sort.Slice(sum.Packages, func(i, j int) bool { return sum.Packages[i].Path < sum.Packages[j].Path })
	return sum, nil
}

// userGoflags is GOFLAGS as the user set them, in the environment or
// with `go env -w`: go env's answer, or the environment's when go env
// fails (go test then says what is wrong).
func userGoflags(ctx context.Context, dir string) string {
	if goflags, err := gotool.Goflags(ctx, dir); err == nil {
		return goflags
	}
	return os.Getenv("GOFLAGS")
}

// parallel is go test's -p and -parallel for procs CPUs. -p: twice as
// many test binaries at once as CPUs, not go test's one per CPU, because
// many of this module's tests mostly wait (on daemons, registries,
// containers, builds, timeouts) and a waiting binary holds its slot.
// -parallel: four times as many parallel tests of one binary at once as
// CPUs, not one per CPU, for the same reason: a test waiting on the
// machine's one dockerd holds its slot, and the tests behind it wait too.
// Each is left out when GOFLAGS sets it: the user's choice stands.
func parallel(goflags string, procs int) []string {
	procs = max(procs, 1)
	var out []string
	for _, f := range []struct {
		name string
		n    int
	}{{"p", 2 * procs}, {"parallel", 4 * procs}} {
		if !hasFlag(goflags, f.name) {
			out = append(out, "-"+f.name, strconv.Itoa(f.n))
		}
	}
	return out
}

// noExitPause is the GORACE options gorace gives, with the race
// detector's pause at exit set to none unless gorace sets one: a -race
// binary otherwise sleeps a second as it exits (atexit_sleep_ms=1000),
// for goroutines still running to report a race. Each test binary, and
// each -race child a test starts and waits for, would idle that second;
// a race in a test fails that test as it ends, so what the pause could
// still catch is a race between goroutines that outlive every test.
func noExitPause(gorace string) string {
	if strings.Contains(gorace, "atexit_sleep_ms=") {
		return gorace
	}
	return strings.TrimSpace(gorace + " atexit_sleep_ms=0")
}

// hasFlag says whether goflags sets the flag name, as -name, --name,
// -name=v or --name=v.
func hasFlag(goflags, name string) bool {
	for _, f := range strings.Fields(goflags) {
		f, _, _ = strings.Cut(strings.TrimPrefix(strings.TrimPrefix(f, "-"), "-"), "=")
		if f == name {
			return true
		}
	}
	return false
}
