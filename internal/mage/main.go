// Command mage is Mage (github.com/magefile/mage, pinned in go.mod) with
// one change: two `go tool mage` started at once in one checkout both
// work. Mage compiles the magefile by writing mage_output_file.go beside
// it and removing it after; two at once write and remove the same file
// and one fails ("error compiling magefiles"). Here the compile alone is
// serialized, under a lock per magefile folder, and each run gets a
// binary of its own, so a second command waits a second or two, with a
// line saying why, and never for the first one's target: `go tool mage
// run` may serve for hours while `go tool mage test` runs beside it.
//
// go.mod's tool directive names this package, so `go tool mage` runs it.
package main

import (
	"errors"
	"flag"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"

	"github.com/magefile/mage/mage"

	"github.com/lehus1/devops-info-service-go/internal/filelock"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run is mage's ParseAndRun, with the compile under the lock.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	inv, cmd, err := mage.Parse(stderr, stdout, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	// Everything but running a target (listing, help, -version, -clean,
	// -init, errors) is mage's own, unchanged: none of it compiles.
	if err != nil || cmd != mage.None || inv.List || inv.Help || inv.Autocomplete {
		return mage.ParseAndRun(stdout, stderr, stdin, args)
	}
	inv.Stdin, inv.Stdout, inv.Stderr = stdin, stdout, stderr
	errlog := log.New(stderr, "", 0)
	if inv.Dir == "" {
		inv.Dir = "."
	}
	if inv.WorkDir == "" {
		inv.WorkDir = inv.Dir // as mage does: the targets run where the magefile is
	}
	dir := inv.Dir
	// The binary is this run's own: another run's compile may replace a
	// shared one while this one starts it.
	tmp, err := os.MkdirTemp("", "mage-run-")
	if err != nil {
		errlog.Println("Error:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	exe := filepath.Join(tmp, "mage")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	unlock, err := filelock.Lock(filelock.For(inv.CacheDir, "compile", dir), stderr,
		"another `go tool mage` is compiling the magefile in "+dir)
	if err != nil {
		errlog.Println("Error:", err)
		return 1
	}
	compile := inv
	compile.CompileOut = exe
	compile.Args = nil
	code := mage.Invoke(compile)
	unlock()
	if code != 0 {
		return code
	}
	return runCompiled(inv, exe, errlog)
}
