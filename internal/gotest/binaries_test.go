package gotest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

func TestByBinaryName(t *testing.T) {
	tests := []struct {
		name string
		pkgs []string
		want [][]string
	}{
		{"none", nil, nil},
		{"all names differ", []string{"m/b", "m/a"}, [][]string{{"m/b", "m/a"}}},
		{"a shared name, first by path first", []string{"m/lint/cmd/lint", "m/x", "m/lint"}, [][]string{{"m/x", "m/lint"}, {"m/lint/cmd/lint"}}},
		{"three of a name", []string{"m/c/x", "m/b/x", "m/a/x", "m/y"}, [][]string{{"m/a/x", "m/y"}, {"m/b/x"}, {"m/c/x"}}},
		{"a major version is not the name", []string{"m/b/x/v2", "m/a/x"}, [][]string{{"m/a/x"}, {"m/b/x/v2"}}},
		{"v1 and v0 are names", []string{"m/a/v1", "m/b/v1", "m/v0"}, [][]string{{"m/a/v1", "m/v0"}, {"m/b/v1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, byBinaryName(tt.pkgs)); diff != "" {
				t.Errorf("byBinaryName(%v) (-want +got):\n%s", tt.pkgs, diff)
			}
		})
	}
}

// TestRunKeepsBinaries runs a module's tests three times with
// WithBinaries and WithFresh: the first writes a binary a package, the
// second finds them all up to date and links none (each file is the same
// file), the third, after one package's test changed, links that one
// alone. Two packages share the name x: each has a folder of its own, and
// the second's go test starts after the first's ends (TestA takes 0.2 s,
// TestB nothing). Without WithFresh nothing is kept.
func TestRunKeepsBinaries(t *testing.T) {
	test := func(pkg, name string) string {
		return "package " + pkg + "\nimport \"testing\"\nfunc " + name + "(t *testing.T) {}\n"
	}
	dir := module(t, map[string]string{
		"a/x/x_test.go": "package x\nimport (\"testing\"; \"time\")\nfunc TestA(t *testing.T) { time.Sleep(200 * time.Millisecond) }\n",
		"b/x/x_test.go": test("x", "TestB"),
		"c/c_test.go":   test("c", "TestC"),
		"d/d.go":        "package d\n",
	})
	keep := filepath.Join(t.TempDir(), "test")
	bins := map[string]string{ // binary: the one test it holds
		filepath.Join(keep, "norace", "x.test"):   "TestA",
		filepath.Join(keep, "norace.2", "x.test"): "TestB",
		filepath.Join(keep, "norace", "c.test"):   "TestC",
	}
	if _, err := Run(t.Context(), dir, WithRace(false), WithMinCoverage(0), WithBinaries(keep)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(keep); !os.IsNotExist(err) {
		t.Errorf("without WithFresh: os.Stat(%s) = %v, want it not to exist", keep, err)
	}
	run := func() map[string]os.FileInfo {
		t.Helper()
		var out strings.Builder
		sum, err := Run(t.Context(), dir, WithRace(false), WithFresh(true), WithMinCoverage(0), WithBinaries(keep), WithOutput(&out))
		if err != nil || sum.Passed != 3 {
			t.Fatalf("Run() = %v, %d passed, want nil, 3; output:\n%s", err, sum.Passed, out.String())
		}
		if a, b := strings.Index(out.String(), "example.com/m/a/x\t"), strings.Index(out.String(), "example.com/m/b/x\t"); a < 0 || b < a {
			t.Errorf("b/x's line before a/x's (at %d and %d), want its go test after a/x's:\n%s", b, a, out.String())
		}
		got := map[string]os.FileInfo{}
		for bin, test := range bins {
			exe, err := exec.LookPath(bin) // bin.exe on Windows
			if err != nil {
				t.Fatalf("test binary not kept: %v", err)
			}
			fi, err := os.Stat(exe)
			if err != nil {
				t.Fatal(err)
			}
			list, err := exec.Command(exe, "-test.list", ".").Output()
			if err != nil || strings.TrimSpace(string(list)) != test {
				t.Errorf("%s -test.list . = %q, %v; want %s", bin, list, err, test)
			}
			got[bin] = fi
		}
		return got
	}
	first := run()
	second := run()
	for bin := range bins {
		if !os.SameFile(first[bin], second[bin]) {
			t.Errorf("%s was linked again with nothing changed", bin)
		}
	}
	testenv.WriteFile(t, filepath.Join(dir, "b", "x", "x_test.go"), test("x", "TestB")+"func helper() int { return 1 }\n")
	third := run()
	for bin := range bins {
		changed := bins[bin] == "TestB"
		if relinked := !os.SameFile(second[bin], third[bin]); relinked != changed {
			t.Errorf("%s linked again = %v after b/x changed, want %v", bin, relinked, changed)
		}
	}
}

// TestRunKeepsNothingWhereItCannotWrite runs with a keep folder in whose
// place stands a file (as a folder a run as root made stands for another
// user; root, which runs CI, could write to any folder): the tests run,
// every binary linked anew, and a line says why none is kept.
func TestRunKeepsNothingWhereItCannotWrite(t *testing.T) {
	dir := module(t, map[string]string{"a/a.go": src(twoFuncs, "a"), "a/a_test.go": src(halfCovered, "a")})
	keep := filepath.Join(t.TempDir(), "test")
	testenv.WriteFile(t, filepath.Join(keep, "norace"), "not a folder")
	var out strings.Builder
	sum, err := Run(t.Context(), dir, WithRace(false), WithFresh(true), WithMinCoverage(0), WithBinaries(keep), WithOutput(&out))
	if err != nil || sum.Passed != 1 {
		t.Fatalf("Run() = %v, %d passed, want nil, 1; output:\n%s", err, sum.Passed, out.String())
	}
	if !strings.Contains(out.String(), "gotest: keeping no test binaries in this run, every one is linked anew: ") {
		t.Errorf("output lacks the line saying no binary is kept:\n%s", out.String())
	}
}
