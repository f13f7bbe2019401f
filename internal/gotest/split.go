package gotest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/gotool"
)

// WithoutRaceWhereLinked runs the tests whose binaries link a package of
// one of libraries (import paths, or the prefixes of them, such as a
// module's path) without the race detector, for the reason why, in a go
// test of their own beside the one with it; the table names them. It is
// for tests of code that starts no goroutines of its own, on a large
// library that is otherwise compiled twice: once with -race for the
// tests, once without for the program that uses it. Default none.
func WithoutRaceWhereLinked(why string, libraries ...string) Option {
	return func(o *options) { o.raceFree = raceFree{libraries: libraries, why: why} }
}

// raceFree is what WithoutRaceWhereLinked set.
type raceFree struct {
	libraries []string
	why       string
}

// goTest is one go test command of a run.
type goTest struct {
	race     bool
	why      string // why not race, for the table
	packages []string
	listed   bool   // packages are import paths from go list, not patterns
	binaries string // the folder the test binaries are kept in (WithBinaries); "" for none
	after    int    // 1 + the index of the run this one starts after; 0 for none
}

// RaceFreeLibraries are the libraries whose tests this module runs
// without the race detector (WithoutRaceWhereLinked), for RaceFreeWhy;
// lint vets those packages alike, so that the two share the compiled
// libraries too. Each is compiled without -race for a command anyway:
// sigstore-go for push's signing (sign, verify and release link it);
// golang.org/x/tools and golang.org/x/vuln for the lint and vulncheck
// commands and staticcheck (lint and vulncheck link them); actionlint for
// lint's workflow check (ci's tests read the workflow with it).
var RaceFreeLibraries = []string{"github.com/sigstore/sigstore-go", "golang.org/x/tools", "golang.org/x/vuln", "github.com/rhysd/actionlint"}

// RaceFreeWhy is why RaceFreeLibraries' tests run without -race.
const RaceFreeWhy = "their code starts no goroutines; the libraries they link compile once, for them and for the commands that use them"

// Linked lists the packages that patterns match in dir, in go list's
// order, and says which of them have tests whose binary links a package
// of one of libraries (import paths, or the prefixes of them).
func Linked(ctx context.Context, dir string, patterns, libraries []string) (all []string, linked map[string]bool, err error) {
	listed, err := gotool.Output(ctx, dir, append([]string{"list", "-e", "-test", "-f", "{{.ImportPath}}\t{{join .Deps \" \"}}"}, patterns...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("listing the packages that link %s: %w", strings.Join(libraries, ", "), err)
	}
	linked = map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(listed))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		path, deps, _ := strings.Cut(sc.Text(), "\t")
		switch {
		case strings.HasSuffix(path, ".test"):
			linked[strings.TrimSuffix(path, ".test")] = slices.ContainsFunc(strings.Fields(deps), func(d string) bool {
				return slices.ContainsFunc(libraries, func(lib string) bool { return d == lib || strings.HasPrefix(d, lib+"/") })
			})
		case !strings.Contains(path, " "): // not a test variant, "p [p.test]"
			all = append(all, path)
		}
	}
	return all, linked, sc.Err()
}

// split divides the packages that patterns match into a run with the
// race detector and one without, for the test binaries that link
// one of r.libraries, each in history's order (longestFirst, from the one go list
// that also says what links what). It says on out which packages go
// without. When go list fails it is one run of patterns as they are: go
// test then says what is wrong; when either side is empty, one run.
func (r raceFree) split(ctx context.Context, dir string, patterns []string, history map[string]time.Duration, out io.Writer) []goTest {
	all, linked, err := Linked(ctx, dir, patterns, r.libraries)
	if err != nil || len(all) == 0 {
		return []goTest{{race: true, packages: patterns}}
	}
	packages := byHistory(all, history)
	var with, without []string
	for _, p := range packages {
		if linked[p] {
			without = append(without, p)
		} else {
			with = append(with, p)
		}
	}
	if len(with) == 0 || len(without) == 0 {
		return []goTest{{race: true, packages: packages, listed: true}}
	}
	fmt.Fprintf(out, "gotest: without the race detector, as they link %s (%s): %s\n", strings.Join(r.libraries, " or "), r.why, strings.Join(without, " "))
	return []goTest{{race: true, packages: with, listed: true}, {why: r.why, packages: without, listed: true}}
}

// runAll runs the go tests side by side, their output to o.output a line
// at a time, and merges what they come to, and their coverage profiles
// into profile when it is not empty. parseErr and waitErr are the first
// of each.
func runAll(ctx context.Context, dir string, o options, runs []goTest, profile string) (sum Summary, parseErr, waitErr error) {
	out := &lockedWriter{w: o.output}
	sums, parseErrs, waitErrs := make([]Summary, len(runs)), make([]error, len(runs)), make([]error, len(runs))
	profiles := make([]string, len(runs))
	done := make([]chan struct{}, len(runs))
	for i := range done {
		done[i] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for i, r := range runs {
		if profile != "" {
			profiles[i] = profile
			if len(runs) > 1 {
				profiles[i] = profile + "." + strconv.Itoa(i)
				defer os.Remove(profiles[i])
			}
		}
		wg.Go(func() {
			defer close(done[i])
			if r.after > 0 {
				<-done[r.after-1]
			}
			sums[i], parseErrs[i], waitErrs[i] = r.run(ctx, dir, o, profiles[i], out)
		})
	}
	wg.Wait()
	for i, s := range sums {
		for _, p := range s.Packages {
			p.Exempt = o.exempt[p.Path]
			if len(runs) > 1 && !runs[i].race {
				p.RaceFree = runs[i].why
			}
			sum.Packages = append(sum.Packages, p)
		}
		sum.Passed += s.Passed
		sum.Failed += s.Failed
		sum.Skipped += s.Skipped
	}
	slices.SortFunc(sum.Packages, func(a, b Package) int { return strings.Compare(a.Path, b.Path) })
	parseErr, waitErr = firstErr(parseErrs), firstErr(waitErrs)
	if len(runs) > 1 && profile != "" && waitErr == nil {
		if err := mergeProfiles(profile, profiles); err != nil {
			waitErr = fmt.Errorf("merging the coverage profiles: %w", err)
		}
	}
	return sum, parseErr, waitErr
}

// run is one go test command, its coverage profile to profile.
func (r goTest) run(ctx context.Context, dir string, o options, profile string, out io.Writer) (Summary, error, error) {
	args := []string{"test", "-json", "-cover", "-covermode=atomic"}
	args = append(args, parallel(o.goflags, runtime.GOMAXPROCS(0))...)
	if !hasFlag(o.goflags, "vet") {
		args = append(args, "-vet=off") // lint runs go vet, with every analyzer
	}
	if r.race {
		args = append(args, RaceFlags(o.plain...)...)
	}
	if o.fresh {
		args = append(args, "-count=1")
	}
	if profile != "" {
		args = append(args, "-coverprofile="+profile)
	}
	if r.binaries != "" {
		if err := writable(r.binaries); err != nil {
			fmt.Fprintf(out, "gotest: keeping no test binaries in this run, every one is linked anew: %v\n", err)
		} else {
			args = append(args, "-o", r.binaries+string(os.PathSeparator))
			if !hasFlag(o.goflags, "ldflags") {
				args = append(args, "-ldflags=-s -w")
			}
		}
	}
	cmd := exec.CommandContext(ctx, "go", append(args, r.packages...)...)
	cmd.Dir = dir
	if r.race {
		cmd.Env = append(os.Environ(), "GORACE="+noExitPause(os.Getenv("GORACE")))
	}
	cmd.Stderr = out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Summary{}, nil, fmt.Errorf("running tests: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return Summary{}, nil, fmt.Errorf("running go test: %w", err)
	}
	sum, parseErr := parse(stdout, out)
	return sum, parseErr, cmd.Wait()
}

// mergeProfiles writes the coverage profiles parts as one to path: the
// mode line of the first, then every block of each.
func mergeProfiles(path string, parts []string) error {
	var merged []byte
	for i, part := range parts {
		data, err := os.ReadFile(part)
		if err != nil {
			return err
		}
		if i > 0 {
			_, data, _ = bytes.Cut(data, []byte("\n"))
		}
		merged = append(merged, data...)
	}
	return os.WriteFile(path, merged, 0o644)
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// lockedWriter lets two go tests write to one place: parse writes a line,
// or a failed test's whole output, at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
