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
		name := strings.TrimPrefix(strings.TrimPrefix(p.Path, module), "/")
		if name == "" {
			name = "."
		}
		fmt.Fprintf(tw, "%s%s\t%d\t%d\t%d\t%s\t%.1fs\t\n", name, status, p.Passed, p.Failed, p.Skipped, cov, p.Elapsed.Seconds())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "test: %d passed, %d failed, %d skipped\n", s.Passed, s.Failed, s.Skipped)
	return err
}
