package lint

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// TestMain builds staticcheck (pinned in go.mod) once, before the tests
// that run it side by side each ask `go tool` for it: a go command
// started while another is building the same packages builds them again
// (the build cache shares finished work, not work under way). On a fresh
// machine staticcheck's 475 packages were compiled five times over.
func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Short() {
		build := exec.Command("go", "tool", "-n", "staticcheck")
		build.Dir = "../.."
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building staticcheck before the tests: %v\n%s", err, out) // the tests that run it say it again
		}
	}
	os.Exit(m.Run())
}
