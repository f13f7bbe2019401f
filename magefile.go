//go:build mage

// Build, test and lint devops-info-service-go; no Docker engine needed.
package main

// Each target is a few lines over a package in internal/ that does the work
// and has its own tests.

import (
	"context"
	"fmt"
	"os"

	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/gotest"
	"github.com/lehus1/devops-info-service-go/internal/lint"
	"github.com/lehus1/devops-info-service-go/internal/version"
)

const (
	module = "github.com/lehus1/devops-info-service-go"
	// minCoverage is the floor for app/ and every pipeline package.
	minCoverage = 80
)

// Default is the target `go tool mage` runs when none is named.
var Default = Build

// Build compiles the service into dist/bin/<os>_<arch>/ (env: PLATFORMS, VERSION, SOURCE_DATE_EPOCH).
//
// The binaries are static, stamped with version, commit and date, and the
// same bytes from every clean clone of a commit. Their sha256 and path go to
// stdout, progress to stderr.
func Build(ctx context.Context) error {
	info, err := version.Detect(ctx, ".", os.Getenv)
	if err != nil {
		return err
	}
	platforms := binary.DefaultPlatforms
	if p := os.Getenv("PLATFORMS"); p != "" {
		if platforms, err = binary.ParsePlatforms(p); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "building %s (commit %.12s, %s)\n", info.Version, info.Commit, info.Time.Format("2006-01-02T15:04:05Z"))
	built, err := binary.Build(ctx, ".", info, binary.WithPlatforms(platforms...), binary.WithProgress(os.Stderr))
	if err != nil {
		return err
	}
	for _, b := range built {
		fmt.Printf("%s  %s\n", b.SHA256, b.Path)
	}
	return nil
}

// Test runs every test with the race detector and fails below 80% coverage in any package.
//
// Failing and skipped tests' output streams to stderr as it comes; the
// per-package table and the closing count go to stdout; the merged profile
// is dist/coverage.out.
func Test(ctx context.Context) error {
	race, why := gotest.RaceSupported(ctx, ".")
	if !race {
		if os.Getenv("CI") == "true" {
			return fmt.Errorf("the race detector cannot run: %s", why)
		}
		fmt.Fprintf(os.Stderr, "WARNING: testing WITHOUT the race detector: %s\n", why)
	}
	sum, err := gotest.Run(ctx, ".", gotest.WithRace(race), gotest.WithMinCoverage(minCoverage),
		gotest.WithCoverProfile("dist/coverage.out"), gotest.WithOutput(os.Stderr))
	if werr := sum.WriteTable(os.Stdout, minCoverage, module); err == nil {
		err = werr
	}
	return err
}

// Lint checks formatting (gofmt), correctness (go vet) and style (staticcheck), magefile included.
func Lint(ctx context.Context) error {
	return lint.Run(ctx, ".", lint.WithOutput(os.Stderr))
}

// Clean removes dist/, everything the pipeline writes.
func Clean() error {
	return os.RemoveAll("dist")
}
