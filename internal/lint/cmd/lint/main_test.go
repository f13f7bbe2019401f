package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/lint"
)

// The command is lint.Run of the module with its findings on stderr: a
// package that is not there is an error naming the check it stopped.
func TestRun(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "CI" {
			return "true"
		}
		return ""
	}
	var stderr strings.Builder
	err = run(t.Context(), root, getenv, &stderr, lint.WithPackages("./internal/lint/testdata/missing"))
	if err == nil || !strings.HasPrefix(err.Error(), "running gofmt: listing files") {
		t.Errorf("run(missing package) = %v, want an error from gofmt's check; stderr %q", err, stderr.String())
	}
}
