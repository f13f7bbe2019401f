package gotest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The packages that took longest last time start first, the unknown ones
// before them; with no history, or patterns go list cannot read, the
// patterns stay as they are.
func TestLongestFirst(t *testing.T) {
	dir := module(t, map[string]string{
		"a/a.go": src(twoFuncs, "a"),
		"b/b.go": src(twoFuncs, "b"),
		"c/c.go": src(twoFuncs, "c"),
		"d/d.go": src(twoFuncs, "d"),
	})
	history := map[string]time.Duration{"example.com/m/a": time.Second, "example.com/m/b": 9 * time.Second, "example.com/m/d": time.Second, "example.com/m/gone": time.Hour}
	tests := []struct {
		patterns []string
		history  map[string]time.Duration
		want     []string
	}{
		{[]string{"./..."}, history, []string{"example.com/m/c", "example.com/m/b", "example.com/m/a", "example.com/m/d"}},
		{[]string{"./a", "./b"}, history, []string{"example.com/m/b", "example.com/m/a"}},
		{[]string{"./..."}, nil, []string{"./..."}},
		{[]string{"-badflag"}, history, []string{"-badflag"}},
	}
	for _, tt := range tests {
		got, _ := longestFirst(t.Context(), dir, tt.patterns, tt.history)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("longestFirst(%v, %d known) (-want +got):\n%s", tt.patterns, len(tt.history), diff)
		}
	}
}

// Run records each passing package's time over what the record held; a
// failed package keeps its old figure, others' stay; a record that cannot
// be read is no record.
func TestRunRecordsHistory(t *testing.T) {
	dir := module(t, map[string]string{
		"a/a.go":      src(twoFuncs, "a"),
		"a/a_test.go": src(halfCovered, "a"),
		"b/b.go":      src(twoFuncs, "b"),
		"b/b_test.go": "package b\nimport \"testing\"\nfunc TestFail(t *testing.T) { t.Fatal() }\n",
	})
	path := filepath.Join(t.TempDir(), "cache", "elapsed.json")
	old := Summary{Packages: []Package{{Path: "example.com/m/b", Ok: true, Elapsed: time.Hour}, {Path: "example.com/other", Ok: true, Elapsed: time.Minute}}}
	if err := writeHistory(path, old); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(t.Context(), dir, WithRace(false), WithMinCoverage(0), WithHistory(path))
	if err == nil {
		t.Fatalf("Run() = nil error, want b's failure")
	}
	h := readHistory(path)
	want := map[string]time.Duration{"example.com/m/b": time.Hour, "example.com/other": time.Minute}
	for _, p := range sum.Packages {
		if p.Path == "example.com/m/a" {
			want[p.Path] = p.Elapsed
		}
	}
	if diff := cmp.Diff(want, h); diff != "" || len(want) != 3 {
		t.Errorf("history after Run (-want +got):\n%s", diff)
	}
	if left, _ := os.ReadDir(filepath.Dir(path)); len(left) != 1 {
		t.Errorf("beside the history: %v, want elapsed.json alone", left)
	}
	// A result from go test's cache took no time this run: the figure stays.
	cached := Summary{Packages: []Package{{Path: "example.com/other", Ok: true, Elapsed: 0}}}
	if err := writeHistory(path, cached); err != nil {
		t.Fatal(err)
	}
	if got := readHistory(path)["example.com/other"]; got != time.Minute {
		t.Errorf("history of a cached package = %v, want its last real time %v", got, time.Minute)
	}
	os.WriteFile(path, []byte("{not json"), 0o644)
	if h := readHistory(path); h != nil {
		t.Errorf("readHistory(broken) = %v, want none", h)
	}
	if err := writeHistory(filepath.Join(path, "under-a-file"), old); err == nil {
		t.Errorf("writeHistory(under a file) = nil error")
	}
	if got := UserHistory(); got != "" && filepath.Base(got) != "elapsed.json" {
		t.Errorf("UserHistory() = %q, want a file elapsed.json", got)
	}
}
