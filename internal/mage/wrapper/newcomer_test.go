package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A newcomer's first push, run, smoke or sizecompare, before any build,
// through this project's real magefile: one line saying there is no image
// yet and how to make one; push neither says "not signing" first nor
// leaves a dist/provenance/ behind. Nothing is sent anywhere.
func TestBeforeAnyBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the project's magefile")
	}
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir() // a checkout with no dist/ yet
	t.Setenv("IMAGE", "127.0.0.1:9/newcomer")
	t.Setenv("IMAGE_REF", "")
	t.Setenv("BASELINE", "recorded:python:3.13-slim")
	for _, k := range []string{"COSIGN_PRIVATE_KEY", "COSIGN_PASSWORD", "SIGN", "REGISTRY_USERNAME", "REGISTRY_PASSWORD", "DRY_RUN", "GITHUB_ACTIONS"} {
		t.Setenv(k, "")
	}
	const want = "no image in dist/oci yet: run `go tool mage build` first"
	for _, target := range []string{"push", "run", "smoke", "sizecompare"} {
		var stdout, stderr strings.Builder
		code := run([]string{"-d", root, "-w", work, target}, strings.NewReader(""), &stdout, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), want) || strings.Contains(stderr.String(), "damaged") {
			t.Errorf("go tool mage %s before a build = %d, stderr %q; want an error saying %q", target, code, stderr.String(), want)
		}
		if strings.Contains(stderr.String(), "not signing") {
			t.Errorf("go tool mage %s before a build said %q, want no word on signing", target, stderr.String())
		}
		if stdout.Len() > 0 {
			t.Errorf("go tool mage %s before a build printed %q on stdout, want nothing", target, stdout.String())
		}
	}
	if left, _ := os.ReadDir(work); len(left) > 0 {
		t.Errorf("the targets left %v in a checkout without a build, want nothing", left)
	}
}
