package ci

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRun(t *testing.T) {
	var ran []string
	step := func(name string, err error) Step {
		return Step{Name: name, Run: func(context.Context) error {
			ran = append(ran, name)
			time.Sleep(time.Millisecond)
			return err
		}}
	}
	skipped := step("push", nil)
	skipped.Skip = func() string { return "no credentials for example.com" }
	tests := []struct {
		name    string
		steps   []Step
		wantRan []string
		want    []Result
		wantErr string
		closing string
	}{
		{"all pass, one skipped", []Step{step("lint", nil), step("test", nil), skipped}, []string{"lint", "test"},
			[]Result{{Name: "lint", Status: "ok"}, {Name: "test", Status: "ok"}, {Name: "push", Status: "skipped", Reason: "no credentials for example.com"}},
			"", "ci: 2 passed, 0 failed, 1 skipped\n"},
		{"failure stops the rest", []Step{step("lint", nil), step("test", errors.New("2 tests failed")), step("build", nil)}, []string{"lint", "test"},
			[]Result{{Name: "lint", Status: "ok"}, {Name: "test", Status: "FAILED", Reason: "2 tests failed"}, {Name: "build", Status: "not run", Reason: "an earlier step failed"}},
			"test: 2 tests failed", "1 not run after the failure\nci: 1 passed, 1 failed, 0 skipped\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran = nil
			var out strings.Builder
			got, err := Run(t.Context(), &out, tt.steps)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Errorf("Run() error = %v, want %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Result{}, "Duration")); diff != "" {
				t.Errorf("Run() results (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRan, ran); diff != "" {
				t.Errorf("steps run (-want +got):\n%s", diff)
			}
			if !strings.HasSuffix(out.String(), tt.closing) || !strings.Contains(out.String(), "step  ") {
				t.Errorf("output does not close with %q:\n%s", tt.closing, out.String())
			}
			for _, r := range got {
				if r.Status == "ok" && r.Duration <= 0 {
					t.Errorf("step %s ran but has no duration", r.Name)
				}
			}
		})
	}
}

// In GitHub Actions each step's log is folded, a failure is annotated and
// the closing table lands in the job summary.
func TestRunInGitHubActions(t *testing.T) {
	summary := filepath.Join(t.TempDir(), "summary.md")
	os.WriteFile(summary, []byte("before\n"), 0o644)
	steps := []Step{
		{Name: "lint", Run: func(context.Context) error { return nil }},
		{Name: "test", Run: func(context.Context) error { return errors.New("2 failed: a, b\n100% sure") }},
		{Name: "push", Run: func(context.Context) error { return nil }},
	}
	var out strings.Builder
	if _, err := Run(t.Context(), &out, steps, WithGitHubActions(summary)); err == nil {
		t.Fatal("Run() = nil, want the test step's failure")
	}
	for _, want := range []string{"::group::lint\n==> lint\n::endgroup::\n", "::group::test\n", "::error title=test::2 failed: a, b%0A100%25 sure\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Run() output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "::group::push") {
		t.Errorf("Run() output opens a group for a step that did not run:\n%s", out.String())
	}
	got, _ := os.ReadFile(summary)
	want := "before\n### go tool mage ci\n\n| step | result | time |\n|---|---|---|\n| lint | ok |"
	if !strings.HasPrefix(string(got), want) || !strings.Contains(string(got), "| test | FAILED: 2 failed: a, b 100% sure |") ||
		!strings.Contains(string(got), "| push | not run: an earlier step failed | - |") {
		t.Errorf("job summary = %q, want it to start %q and hold every step", got, want)
	}
}

func TestRunSummaryUnwritable(t *testing.T) {
	steps := []Step{{Name: "lint", Run: func(context.Context) error { return nil }}}
	_, err := Run(t.Context(), io.Discard, steps, WithGitHubActions(filepath.Join(t.TempDir(), "no", "such", "dir")))
	if err == nil || !strings.Contains(err.Error(), "writing the job summary") {
		t.Errorf("Run(unwritable summary) = %v, want an error about the job summary", err)
	}
}

func TestRunOutsideActionsHasNoCommands(t *testing.T) {
	var out strings.Builder
	Run(t.Context(), &out, []Step{{Name: "lint", Run: func(context.Context) error { return errors.New("x") }}})
	if strings.Contains(out.String(), "::") {
		t.Errorf("Run() without WithGitHubActions printed workflow commands:\n%s", out.String())
	}
}
