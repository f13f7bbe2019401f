// Command vulncheck is `go tool mage vulncheck`'s work, which the target
// runs with `go run` (gotool.RunPackage): govulncheck's
// libraries (golang.org/x/vuln, and golang.org/x/tools' call graphs) are
// compiled when vulncheck first needs them, not into the magefile that
// every command runs.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/gotool"
	"github.com/lehus1/devops-info-service-go/internal/settings"
	"github.com/lehus1/devops-info-service-go/internal/vulncheck"
)

func main() { gotool.Exit(run(context.Background(), ".", os.Getenv, os.Stdout, os.Stderr)) }

// run checks the module in dir and its built binaries: one line per
// vulnerability to stdout, an error when the source reaches one.
func run(ctx context.Context, dir string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	db, err := settings.VulnDB(getenv)
	if err != nil {
		return err
	}
	out := settings.DistIn(dir)
	bins, _ := filepath.Glob(filepath.Join(out.Binaries(), "*", contract.Name))
	found, err := vulncheck.Check(ctx, dir, db, bins, out.SBOMs(), stderr)
	if err != nil {
		return err
	}
	return vulncheck.Verdict(found, stdout)
}
