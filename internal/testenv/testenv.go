// Package testenv is what tests ask of the machine they run on, as Go's own
// internal/testenv is: a test that needs a tool calls MustHaveExec, and
// gets the tool, a loud skip, or (in CI) a failure. Under `go test -short`
// (the inner loop's tier) a test that needs a tool, a build, a registry or
// runc skips, saying so in one line; `go tool mage test` runs them all.
// It also holds what many tests do alike: write a tree of files
// (WriteTree), check a table case's wanted error (WantErr) or output
// (Contains), read the running Go binary (GoBinary).
package testenv

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// InstallCosign is how .ci/run and the workflow install the cosign CLI
// that the signing tests run, pinned to the version users are told to use.
const InstallCosign = "CGO_ENABLED=0 GOBIN=DIR go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3, with DIR on PATH"

// InstallSyft is how .ci/run and the workflow install the syft CLI that
// the SBOM tests read the image and its SBOMs with, pinned.
const InstallSyft = "CGO_ENABLED=0 GOBIN=DIR go install github.com/anchore/syft/cmd/syft@v1.57.2, with DIR on PATH"

// InstallOras is how .ci/run and the workflow install the oras CLI that
// the client tests find and pull the SBOMs with, pinned.
const InstallOras = "CGO_ENABLED=0 GOBIN=DIR go install oras.land/oras/cmd/oras@v1.3.6, with DIR on PATH"

// InCI reports whether the tests run in CI (CI=true, as GitHub Actions and
// .ci/run set it), where a missing tool is a failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// MustHaveExec returns the path of the program name. When it is not
// installed the test fails in CI and skips loudly elsewhere; install says
// how to get it, such as "apt-get install runc".
func MustHaveExec(t testing.TB, name, install string) string {
	t.Helper()
	SkipIfShort(t, "needs "+name)
	path, err := exec.LookPath(name)
	if err != nil {
		Need(t, name+" is not installed ("+install+")")
	}
	return path
}

// Need fails the test in CI and skips it loudly elsewhere, saying why: for
// a requirement that is not a program on PATH (root, a kernel feature).
func Need(t testing.TB, why string) {
	t.Helper()
	SkipIfShort(t, why)
	if InCI() {
		t.Fatalf("CI needs this: %s", why)
	}
	SkipLoudly(t, why)
}

// SkipLoudly skips the test, also in CI, with a line that stands out in
// the output: for what no install can mend, such as runc off Linux.
func SkipLoudly(t testing.TB, why string) {
	t.Helper()
	t.Skipf("SKIPPED LOUDLY: %s", why)
}

// SkipOnWindows skips the test loudly on Windows, saying why: for what
// Windows does otherwise or not at all (a shell script standing in for a
// command, renaming a folder that is watched).
func SkipOnWindows(t testing.TB, why string) {
	t.Helper()
	skipOnWindows(t, runtime.GOOS, why)
}

// skipOnWindows is SkipOnWindows on the system goos.
func skipOnWindows(t testing.TB, goos, why string) {
	t.Helper()
	if goos == "windows" {
		SkipLoudly(t, why)
	}
}

// SkipIfShort skips the test under `go test -short`, saying what it needs
// (a tool, a build, a registry, runc): the slow tier, which `go tool mage
// test` and CI run.
func SkipIfShort(t testing.TB, needs string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: %s", needs)
	}
}
