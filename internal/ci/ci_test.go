package ci

import (
	"context"
	"errors"
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
