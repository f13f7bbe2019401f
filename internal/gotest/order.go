package gotest

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
	"github.com/lehus1/devops-info-service-go/internal/gotool"
)

// go test starts the test binaries in the order of its packages, as many
// at once as -p allows. With the slowest first the short ones fill in
// around them; in the usual alphabetical order a slow package late in the
// alphabet (vulncheck) starts when the rest are done, and the run waits
// for it alone.

// longestFirst is the import paths the patterns match in dir, those that
// took longest in the last run (history) first, those history does not
// know before them (they may be slow), the rest as go list gives them;
// listed says so. It is patterns as they are when go list fails or
// history is empty: the order only makes the run shorter, and go test
// says what is wrong.
func longestFirst(ctx context.Context, dir string, patterns []string, history map[string]time.Duration) (pkgs []string, listed bool) {
	if len(history) == 0 {
		return patterns, false
	}
	out, err := gotool.Output(ctx, dir, append([]string{"list", "-e", "-f", "{{.ImportPath}}"}, patterns...)...)
	if err != nil {
		return patterns, false
	}
	pkgs = strings.Fields(out)
	if len(pkgs) == 0 {
		return patterns, false
	}
	return byHistory(pkgs, history), true
}

// byHistory sorts the import paths pkgs in place as longestFirst does,
// and returns them.
func byHistory(pkgs []string, history map[string]time.Duration) []string {
	known := func(p string) time.Duration {
		if d, ok := history[p]; ok {
			return d
		}
		return time.Duration(math.MaxInt64)
	}
	slices.SortStableFunc(pkgs, func(a, b string) int { return cmp.Compare(known(b), known(a)) })
	return pkgs
}

// UserHistory is where WithHistory keeps the times for this user: in
// their cache folder, shared by every checkout (the packages are named by
// import path). Empty, which turns WithHistory off, when there is none.
func UserHistory() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "devops-info-service-go", "gotest", "elapsed.json")
}

// readHistory is the elapsed time per package recorded at path, or none
// when there is no readable record.
func readHistory(path string) map[string]time.Duration {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var h map[string]time.Duration
	if json.Unmarshal(data, &h) != nil {
		return nil
	}
	return h
}

// writeHistory records at path how long each package of sum took, over
// what path held for others, written whole (atomicfile) so that a run
// beside this one reads either record whole. A package that did not pass
// keeps its old figure (a failure stops early), and so does one whose
// result came from go test's cache (it took no time this run).
func writeHistory(path string, sum Summary) error {
	h := readHistory(path)
	if h == nil {
		h = map[string]time.Duration{}
	}
	for _, p := range sum.Packages {
		if p.Ok && p.Elapsed > 0 {
			h[p.Path] = p.Elapsed
		}
	}
	data, err := json.MarshalIndent(h, "", "\t")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data)
}
