package lint

import (
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// The cross-compile check type-checks for each target from source: a type
// or syntax error in a file only Windows compiles fails it for
// windows/amd64 alone, at the file and line, once though the package's
// test variant holds the file too; a file behind the mage tag counts (and
// darwin/arm64 finds its error alone); the module passes go vet on this
// machine.
func TestCrossCheck(t *testing.T) {
	testenv.SkipIfShort(t, "type-checks the standard library for two targets")
	dir := testenv.WriteTree(t, t.TempDir(), map[string]string{
		"go.mod":           "module example.com/w\n\ngo 1.26\n",
		"w.go":             "// Package w has a file for Windows alone.\npackage w\n\n// N is a number.\nvar N = 1\n",
		"w_test.go":        "package w\n\nimport \"testing\"\n\nfunc TestN(t *testing.T) {\n\tif N != 1 {\n\t\tt.Fatal(N)\n\t}\n}\n",
		"w_windows.go":     "package w\n\n// S is not a string on Windows.\nvar S string = N\n",
		"bad_windows.go":   "package w\n\nvar B = )\n",
		"ok_windows.go":    "package w\n\nimport \"syscall\"\n\n// H is a Windows handle.\nvar H syscall.Handle\n",
		"tagged_darwin.go": "//go:build mage\n\npackage w\n\nimport \"syscall\"\n\n// P is a process group only Linux has.\nvar P = syscall.SysProcAttr{Pdeathsig: 9}\n",
	})
	got, err := crossCheck(t.Context(), dir, options{packages: []string{"./..."}, tags: "mage", targets: []string{"darwin/arm64", "windows/amd64"}})
	want := "darwin/arm64:\ntagged_darwin.go:8:29: unknown field Pdeathsig in struct literal of type syscall.SysProcAttr\n" +
		"windows/amd64:\nbad_windows.go:3:9: expected operand, found ')'\n" +
		"w_windows.go:4:16: cannot use N (variable of type int) as string value in variable declaration"
	if err != nil || got != want {
		t.Errorf("crossCheck(darwin/arm64, windows/amd64) = %q, %v, want %q", got, err, want)
	}
	if out, err := vetCheck(t.Context(), dir, options{packages: []string{"./..."}, tags: "mage"}); err != nil || out != "" {
		t.Errorf("vetCheck(module with a Windows-only type error) = %q, %v, want nothing found on this machine", out, err)
	}
}

func TestCrossCheckBadTarget(t *testing.T) {
	_, err := crossCheck(t.Context(), t.TempDir(), options{targets: []string{"windows"}})
	if err == nil || !strings.Contains(err.Error(), `target "windows" is not GOOS/GOARCH`) {
		t.Errorf("crossCheck(target windows) = %v, want it to say the target is not GOOS/GOARCH", err)
	}
}
