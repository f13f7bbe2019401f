// Command lint is `go tool mage lint`'s work, which the target runs with
// `go run` (gotool.RunPackage): the Go parser and printer that gofmt's
// check needs are compiled when lint first runs, not into the magefile
// that every command runs.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"

	"github.com/lehus1/devops-info-service-go/internal/gotest"
	"github.com/lehus1/devops-info-service-go/internal/gotool"
	"github.com/lehus1/devops-info-service-go/internal/lint"
	"github.com/lehus1/devops-info-service-go/internal/settings"
)

func main() { gotool.Exit(run(context.Background(), ".", os.Getenv, os.Stderr)) }

// run lints the module in dir, every finding to stderr; in CI
// (settings.ReadCI) a missing shellcheck fails it. go vet and staticcheck
// compile with -race where `go tool mage test` does (gotest.Race), and
// without it for the packages whose tests link gotest.RaceFreeLibraries,
// as the tests do, and leave the compression library uninstrumented, as
// the tests do, so that the two share their compiled dependencies in the
// build cache.
func run(ctx context.Context, dir string, getenv func(string) string, stderr io.Writer, opts ...lint.Option) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	opts = append([]lint.Option{lint.WithOutput(stderr), lint.WithShellcheckRequired(settings.ReadCI(getenv).Enabled)}, opts...)
	if race, _ := gotest.RaceSupported(ctx, dir); race {
		all, linked, err := gotest.Linked(ctx, dir, []string{"./..."}, gotest.RaceFreeLibraries)
		if err != nil {
			return err
		}
		var plain []string
		for _, p := range all {
			if linked[p] {
				plain = append(plain, p)
			}
		}
		opts = append([]lint.Option{lint.WithBuildFlags(gotest.RaceFlags(gotest.CompressionLibrary)...), lint.WithoutBuildFlagsFor(plain...)}, opts...)
	}
	return lint.Run(ctx, dir, opts...)
}
