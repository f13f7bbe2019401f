// Package ci runs the pipeline's steps in order, as CI does: it stops at
// the first failure, says why a step was skipped, and closes with each
// step's result and duration.
package ci

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Step is one stage of the pipeline.
type Step struct {
	Name string
	Run  func(context.Context) error
	// Skip, if set, gives a reason not to run the step; "" runs it.
	Skip func() string
}

// Result is how a step went.
type Result struct {
	Name     string
	Status   string // "ok", "FAILED", "skipped" or "not run"
	Reason   string
	Duration time.Duration
}

// Run runs the steps in order, writing a line as each starts and the
// summary at the end to w. It returns the first failure.
func Run(ctx context.Context, w io.Writer, steps []Step) ([]Result, error) {
	var results []Result
	var failed error
	for _, s := range steps {
		r := Result{Name: s.Name}
		skip := ""
		if failed == nil && s.Skip != nil {
			skip = s.Skip()
		}
		switch {
		case failed != nil:
			r.Status, r.Reason = "not run", "an earlier step failed"
		case skip != "":
			r.Status, r.Reason = "skipped", skip
			fmt.Fprintf(w, "==> %s: skipped: %s\n", s.Name, r.Reason)
		default:
			fmt.Fprintf(w, "==> %s\n", s.Name)
			start := time.Now()
			err := s.Run(ctx)
			r.Duration = time.Since(start)
			r.Status = "ok"
			if err != nil {
				r.Status, r.Reason = "FAILED", err.Error()
				failed = fmt.Errorf("%s: %w", s.Name, err)
			}
		}
		results = append(results, r)
	}
	summarize(w, results)
	return results, failed
}

func summarize(w io.Writer, results []Result) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\tresult\ttime\t")
	var passed, failed, skipped, notRun int
	var total time.Duration
	for _, r := range results {
		status := r.Status
		if r.Reason != "" {
			status += ": " + r.Reason
		}
		d := "-"
		if r.Duration > 0 {
			d = fmt.Sprintf("%.1fs", r.Duration.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", r.Name, status, d)
		total += r.Duration
		switch r.Status {
		case "ok":
			passed++
		case "FAILED":
			failed++
		case "skipped":
			skipped++
		default:
			notRun++
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "total %.1fs\n", total.Seconds())
	if notRun > 0 {
		fmt.Fprintf(w, "%d not run after the failure\n", notRun)
	}
	fmt.Fprintf(w, "ci: %d passed, %d failed, %d skipped\n", passed, failed, skipped)
}
