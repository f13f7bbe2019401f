package ci

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// reportAnyway are the jobs that report whatever the pipeline job's
// result: a red Linux job must not hide the macOS and Windows results.
var reportAnyway = []string{"cross-os"}

// dockerSmoke is the id of the step that runs smoke with the runner's own
// Docker, as the runner user.
const dockerSmoke = "smoke-docker"

// targets are the Mage targets that the pipeline job runs, each in a step
// of its own, so that the checks page shows which one failed.
var targets = []string{"lint", "test", "build", "vulncheck", "smoke", "sizecompare", "push", "verify"}

// workflowProblems lists how a workflow breaks the project's CI rules:
// secrets reach the push step alone (not the tests, linters or build), every
// action is pinned by commit SHA with its version in a comment, sudo only
// where runc needs it, each target has a step of its own in job (and smoke
// a second one with Docker, smoke-docker, as the runner user), and the
// image is named once, in the workflow's env.
func workflowProblems(src []byte, job string) []string {
	wf, errs := actionlint.Parse(src)
	if len(errs) > 0 {
		return []string{"parsing the workflow: " + errs[0].Error()}
	}
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	pinned := regexp.MustCompile(`^\s*(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$`)
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, "uses:") && !strings.HasPrefix(strings.TrimSpace(line), "#") && !pinned.MatchString(line) {
			bad("line %d: %q: pin the action by its full commit SHA, with the version in a comment", i+1, strings.TrimSpace(line))
		}
	}
	if strings.Contains(strings.Join(stringsIn(wf.Env), "\n"), "secrets.") {
		bad("the workflow's env holds a secret: every job and step would see it")
	}
	runs := map[string][]string{} // target → the ids of the steps that run it
	for id, j := range wf.Jobs {
		if strings.Contains(strings.Join(stringsIn(j.Env), "\n"), "secrets.") {
			bad("job %s: its env holds a secret: every step would see it", id)
		}
		for n, st := range j.Steps {
			name := fmt.Sprintf("job %s, step %d", id, n+1)
			stepID := ""
			if st.ID != nil {
				stepID = st.ID.Value
				name = fmt.Sprintf("job %s, step %s", id, stepID)
			}
			all := strings.Join(stringsIn(st), "\n")
			if strings.Contains(all, "secrets.") && stepID != "push" {
				bad("%s: uses a secret; secrets reach the push step alone", name)
			}
			run, ok := st.Exec.(*actionlint.ExecRun)
			if !ok || run.Run == nil || id != job {
				continue
			}
			for _, t := range targets {
				if regexp.MustCompile(`go tool mage ` + t + `\b`).MatchString(run.Run.Value) {
					runs[t] = append(runs[t], stepID)
				}
			}
			if strings.Contains(run.Run.Value, "sudo") && slices.Contains([]string{"lint", "build", "vulncheck", "sizecompare", "push", "verify", dockerSmoke}, stepID) {
				bad("%s: runs as root; only the runc steps (test, smoke) need it", name)
			}
			if stepID == dockerSmoke && !strings.Contains(run.Run.Value, "ENGINE=docker go tool mage smoke") {
				bad("%s: %q, want ENGINE=docker go tool mage smoke", name, run.Run.Value)
			}
		}
	}
	for _, t := range targets {
		want := []string{t}
		if t == "smoke" {
			want = append(want, dockerSmoke)
		}
		if ids := runs[t]; !slices.Equal(ids, want) {
			bad("job %s: go tool mage %s runs in steps %q; want steps of its own, with ids %q", job, t, ids, want)
		}
	}
	if n := strings.Count(string(src), "lehus1/devops-info-service-go"); n != 1 || !strings.Contains(strings.Join(stringsIn(wf.Env), "\n"), "lehus1/devops-info-service-go") {
		bad("the image is named %d times; want once, as IMAGE in the workflow's env", n)
	}
	return append(problems, independenceProblems(wf, job)...)
}

// independenceProblems lists how the reportAnyway jobs depend on job's
// success: by needing it without an if that runs them on its failure
// (GitHub skips a job whose needs failed), or by a step that reads job's
// outputs without checking they are there (a failed job may give none).
func independenceProblems(wf *actionlint.Workflow, job string) []string {
	var problems []string
	output := regexp.MustCompile(`needs\.` + regexp.QuoteMeta(job) + `\.outputs\.([\w-]+)`)
	for _, id := range reportAnyway {
		j := wf.Jobs[id]
		if j == nil {
			problems = append(problems, fmt.Sprintf("job %s: missing", id))
			continue
		}
		needs := false
		for _, n := range j.Needs {
			needs = needs || n.Value == job
		}
		cond := ""
		if j.If != nil {
			cond = j.If.Value
		}
		runsOnFailure := (strings.Contains(cond, "always()") || strings.Contains(cond, "!cancelled()")) &&
			!strings.Contains(cond, "success()") && !strings.Contains(cond, "needs."+job+".result")
		if needs && !runsOnFailure {
			problems = append(problems, fmt.Sprintf("job %s: needs %s with if %q, so a failure there skips it; want if: ${{ !cancelled() }}", id, job, cond))
		}
		for n, st := range j.Steps {
			stepIf := ""
			if st.If != nil {
				stepIf = st.If.Value
			}
			for _, m := range output.FindAllStringSubmatch(strings.Join(append(stringsIn(st.Env), stringsIn(st.Exec)...), "\n"), -1) {
				if !strings.Contains(stepIf, m[0]+" != ''") {
					problems = append(problems, fmt.Sprintf("job %s, step %d: reads %s whatever %s gave; want if: ... && %s != ''", id, n+1, m[0], job, m[0]))
				}
			}
		}
	}
	return problems
}

// stringsIn collects every string value in v, an actionlint AST node.
func stringsIn(v any) []string {
	var out []string
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				walk(it.Key())
				walk(it.Value())
			}
		case reflect.String:
			out = append(out, v.String())
		}
	}
	walk(reflect.ValueOf(v))
	return out
}

func TestWorkflowKeepsRules(t *testing.T) {
	src, err := os.ReadFile("../../.github/workflows/ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	if problems := workflowProblems(src, "pipeline"); len(problems) > 0 {
		t.Errorf("workflowProblems(ci.yml) = %q, want none", problems)
	}
}

// Each rule catches its breach in an otherwise good workflow.
func TestWorkflowRulesCatchBreaches(t *testing.T) {
	src, err := os.ReadFile("../../.github/workflows/ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, old, new, want string }{
		{"secret in the tests", "      - id: test\n", "      - id: test\n        env:\n          T: ${{ secrets.DOCKERHUB_TOKEN }}\n", "step test: uses a secret"},
		{"secret for the whole job", "    timeout-minutes: 30\n", "    timeout-minutes: 30\n    env:\n      T: ${{ secrets.DOCKERHUB_TOKEN }}\n", "its env holds a secret"},
		{"secret in an action's input", "          persist-credentials: false\n", "          persist-credentials: false\n          token: ${{ secrets.DOCKERHUB_TOKEN }}\n", "uses a secret"},
		{"action by tag", "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@v7.0.1", "pin the action by its full commit SHA"},
		{"pin without version", "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e # v4.3.0", "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e", "pin the action"},
		{"target without a step", "      - id: sizecompare\n        name: go tool mage sizecompare\n        run: go tool mage sizecompare\n", "", "go tool mage sizecompare runs in steps []"},
		{"two targets in one step", "run: go tool mage lint", "run: go tool mage lint && go tool mage build", "go tool mage build runs in steps [\"lint\" \"build\"]"},
		{"root where not needed", "run: go tool mage lint", "run: sudo go tool mage lint", "step lint: runs as root"},
		{"cross-os skipped after a red pipeline", "    if: ${{ !cancelled() }}\n", "", "job cross-os: needs pipeline with if \"\""},
		{"cross-os on success only", "    if: ${{ !cancelled() }}\n", "    if: ${{ success() }}\n", "so a failure there skips it"},
		{"cross-os on the pipeline's success", "    if: ${{ !cancelled() }}\n", "    if: ${{ always() && needs.pipeline.result == 'success' }}\n", "so a failure there skips it"},
		{"digest compared when there is none", " && needs.pipeline.outputs.index-digest != '' }}", " }}", "reads needs.pipeline.outputs.index-digest whatever pipeline gave"},

		{"docker smoke as root", "run: ENGINE=docker go tool mage smoke", "run: sudo ENGINE=docker go tool mage smoke", "step smoke-docker: runs as root"},
		{"docker smoke with runc", "run: ENGINE=docker go tool mage smoke", "run: go tool mage smoke", "want ENGINE=docker go tool mage smoke"},
		{"no docker smoke", "      - id: smoke-docker\n", "      - id: smoke-other\n", `want steps of its own, with ids ["smoke" "smoke-docker"]`},
		{"image named twice", "        run: go tool mage verify\n", "        run: IMAGE=docker.io/lehus1/devops-info-service-go go tool mage verify\n", "the image is named 2 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(src), tt.old) {
				t.Fatalf("ci.yml lacks %q; the test needs updating", tt.old)
			}
			problems := workflowProblems([]byte(strings.Replace(string(src), tt.old, tt.new, 1)), "pipeline")
			if len(problems) != 1 || !strings.Contains(problems[0], tt.want) {
				t.Errorf("workflowProblems() = %q, want one problem containing %q", problems, tt.want)
			}
		})
	}
}
