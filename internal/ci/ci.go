// Package ci runs the pipeline's steps in order, as CI does: it stops at
// the first failure, says why a step was skipped, and closes with each
// step's result and duration. In GitHub Actions it also folds each step's
// log, annotates a failure and puts the closing table in the job summary.
package ci

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

type options struct {
	actions bool
	summary string
}

// Option changes how Run works.
type Option func(*options)

// WithGitHubActions makes Run speak GitHub Actions' workflow commands: each
// step's log in a ::group::, a failure as an ::error:: annotation, and the
// closing table appended as Markdown to summary (the file that
// GITHUB_STEP_SUMMARY names; "" for none). Default off.
func WithGitHubActions(summary string) Option {
	return func(o *options) { o.actions, o.summary = true, summary }
}

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
func Run(ctx context.Context, w io.Writer, steps []Step, opts ...Option) ([]Result, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
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
			if o.actions {
				fmt.Fprintf(w, "::group::%s\n", s.Name)
			}
			fmt.Fprintf(w, "==> %s\n", s.Name)
			start := time.Now()
			err := s.Run(ctx)
			r.Duration = time.Since(start)
			r.Status = "ok"
			if o.actions {
				fmt.Fprintln(w, "::endgroup::")
			}
			if err != nil {
				r.Status, r.Reason = "FAILED", err.Error()
				failed = fmt.Errorf("%s: %w", s.Name, err)
				if o.actions {
					fmt.Fprintf(w, "::error title=%s::%s\n", escapeProperty(s.Name), escapeData(r.Reason))
				}
			}
		}
		results = append(results, r)
	}
	summarize(w, results)
	if o.summary != "" {
		if err := appendSummary(o.summary, results); err != nil && failed == nil {
			failed = err
		}
	}
	return results, failed
}

// escapeData and escapeProperty make s safe as a workflow command's message
// and as one of its properties, the way the runner decodes them.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer(":", "%3A", ",", "%2C").Replace(escapeData(s))
}

// cells are the result and time columns of r's row in the closing table.
func (r Result) cells() (status, duration string) {
	status, duration = r.Status, "-"
	if r.Reason != "" {
		status += ": " + r.Reason
	}
	if r.Duration > 0 {
		duration = fmt.Sprintf("%.1fs", r.Duration.Seconds())
	}
	return status, duration
}

// appendSummary adds the closing table, in Markdown, to the job summary.
func appendSummary(path string, results []Result) error {
	var b strings.Builder
	b.WriteString("### go tool mage ci\n\n| step | result | time |\n|---|---|---|\n")
	for _, r := range results {
		status, d := r.cells()
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.Name, strings.ReplaceAll(strings.ReplaceAll(status, "|", "\\|"), "\n", " "), d)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("writing the job summary: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("writing the job summary %q: %w", path, err)
	}
	return f.Close()
}

func summarize(w io.Writer, results []Result) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\tresult\ttime\t")
	var passed, failed, skipped, notRun int
	var total time.Duration
	for _, r := range results {
		status, d := r.cells()
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
