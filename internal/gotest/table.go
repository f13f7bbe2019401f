package gotest

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable writes one row per package and the closing count, in the
// "N passed, N failed, N skipped" form that CI systems read.
func (s Summary) WriteTable(w io.Writer, floor float64, module string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "package\tpassed\tfailed\tskipped\tcoverage\ttime\t")
	for _, p := range s.Packages {
		cov := "-"
		if p.Coverage >= 0 {
			cov = fmt.Sprintf("%.1f%%", p.Coverage)
			switch {
			case p.Exempt != "":
				cov += " (no floor: " + p.Exempt + ")"
			case p.Coverage < floor:
				cov += " < " + fmt.Sprintf("%.0f%%", floor)
			}
		}
		status := ""
		if !p.Ok {
			status = "  FAIL"
		}
		name := shortName(p.Path, module)
		fmt.Fprintf(tw, "%s%s\t%d\t%d\t%d\t%s\t%.1fs\t\n", name, status, p.Passed, p.Failed, p.Skipped, cov, p.Elapsed.Seconds())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if names, why := s.raceFree(module); len(names) > 0 {
		fmt.Fprintf(w, "without the race detector (%s): %s\n", why, strings.Join(names, ", "))
	}
	if s.Uninstrumented != "" {
		fmt.Fprintf(w, "not instrumented by the race detector: %s\n", s.Uninstrumented)
	}
	_, err := fmt.Fprintf(w, "test: %d passed, %d failed, %d skipped\n", s.Passed, s.Failed, s.Skipped)
	return err
}

// raceFree names the packages whose tests ran without the race detector,
// and why.
func (s Summary) raceFree(module string) (names []string, why string) {
	for _, p := range s.Packages {
		if p.RaceFree != "" {
			names, why = append(names, shortName(p.Path, module)), p.RaceFree
		}
	}
	return names, why
}

// shortName is path within module, "." for the module's root.
func shortName(path, module string) string {
	if name := strings.TrimPrefix(strings.TrimPrefix(path, module), "/"); name != "" {
		return name
	}
	return "."
}
