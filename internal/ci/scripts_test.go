package ci

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// scriptPath matches a path under scripts/ in a workflow or a document.
var scriptPath = regexp.MustCompile(`scripts/[\w./-]*[\w]`)

// unrunScripts lists the scripts under root's scripts/ that a workflow,
// README.md or a document in docs/ calls and that neither a .ci/run line
// (not a comment) nor a test (a _test.go file naming the script) runs.
func unrunScripts(t *testing.T, root string) []string {
	t.Helper()
	var callers []string
	for _, pattern := range []string{".github/workflows/*.yml", "README.md", "docs/*.md"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		callers = append(callers, m...)
	}
	called := map[string]bool{}
	for _, f := range callers {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range scriptPath.FindAllString(string(src), -1) {
			if fi, err := os.Stat(filepath.Join(root, p)); err == nil && fi.Mode().IsRegular() && !strings.HasSuffix(p, ".md") {
				called[p] = true
			}
		}
	}
	var runners []string // .ci/run's lines and the tests' sources
	ciRun, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ciRun), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			runners = append(runners, line)
		}
	}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			runners = append(runners, string(src))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var unrun []string
	for p := range called {
		if !slices.ContainsFunc(runners, func(r string) bool { return strings.Contains(r, p) }) {
			unrun = append(unrun, p)
		}
	}
	slices.Sort(unrun)
	return unrun
}

// Every script the workflow or the docs call runs in a test or in .ci/run
// (the benchmarks in a quick mode), so a move or a rename cannot break one
// unseen, as moving them to scripts/bench and scripts/ci once did.
func TestCalledScriptsRun(t *testing.T) {
	if unrun := unrunScripts(t, "../.."); len(unrun) > 0 {
		t.Errorf("unrunScripts(repository) = %q, want none: run each in .ci/run (a quick mode is enough) or in a test", unrun)
	}
}

// The check finds a called script that nothing runs, and accepts a .ci/run
// line or a test that runs it, but not a comment.
func TestUnrunScripts(t *testing.T) {
	tests := []struct {
		name, ciRun, test string
		want              []string
	}{
		{name: "run by nothing", ciRun: "go tool mage test\n", want: []string{"scripts/x/tool"}},
		{name: "only in a comment", ciRun: "# scripts/x/tool runs elsewhere\n", want: []string{"scripts/x/tool"}},
		{name: "run by .ci/run", ciRun: "QUICK=1 scripts/x/tool\n"},
		{name: "run by a test", ciRun: "\n", test: `exec.Command("../../scripts/x/tool")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			files := map[string]string{
				".github/workflows/ci.yml": "run: scripts/x/tool\n",
				"docs/a.md":                "see scripts/x/ and scripts/README.md; scripts/gone is no more\n",
				"scripts/x/tool":           "#!/bin/sh\n",
				"scripts/README.md":        "# scripts\n",
				".ci/run":                  tt.ciRun,
			}
			if tt.test != "" {
				files["internal/x/x_test.go"] = tt.test
			}
			for name, content := range files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.want, unrunScripts(t, root)); diff != "" {
				t.Errorf("unrunScripts() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// compare-dockerfile-image finds its Go helper and the layout from any
// folder, and asks docker for the image it is given. A stand-in docker
// prints a config; the real engine's check is the dockerd test's.
func TestCompareDockerfileImageFromAnyFolder(t *testing.T) {
	testenv.SkipOnWindows(t, "the scripts are bash and run on the Linux jobs")
	script, err := filepath.Abs("../../scripts/ci/compare-dockerfile-image")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	fake := "#!/bin/sh\necho \"$*\" >\"$(dirname \"$0\")/args\"\necho '{\"User\":\"65532:65532\"}'\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script, "img:tag")
	cmd.Dir = t.TempDir() // anywhere but the repository
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, _ := cmd.CombinedOutput()
	args, err := os.ReadFile(filepath.Join(bin, "args"))
	if err != nil {
		t.Fatalf("compare-dockerfile-image img:tag did not run docker:\n%s", out)
	}
	if want := "image inspect --format {{json .Config}} img:tag\n"; string(args) != want {
		t.Errorf("compare-dockerfile-image img:tag ran docker %q, want %q", args, want)
	}
	// With dist/oci built it compares; without, compare-config says so.
	if !regexp.MustCompile(`the runtime configs (match|differ)|no image in dist/oci yet`).Match(out) {
		t.Errorf("compare-dockerfile-image img:tag from %s = %q, want a comparison or a missing dist/oci", cmd.Dir, out)
	}
}
