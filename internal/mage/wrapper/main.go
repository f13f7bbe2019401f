// Command mage is Mage (github.com/magefile/mage, pinned in go.mod) with
// two changes. Two `go tool mage` started at once in one checkout both
// work: mage compiles the magefile by writing mage_output_file.go beside
// it and removing it after, and two at once write and remove the same
// file and one fails ("error compiling magefiles"); here the compile is
// serialized, under a lock per magefile folder, so a second command waits,
// with a line saying why, and never for the first one's target: `go tool
// mage run` may serve for hours while `go tool mage test` runs beside it.
// And the compiled magefile is cached, keyed by everything it is built
// from, including the main module's packages it imports, which mage's own
// cache misses (cache.go): a command whose magefile did not change starts
// its target at once instead of relinking a 35 MB binary first.
//
// `go tool mage` runs it through the launcher in .., which builds it as
// it builds the magefile (no cgo, -trimpath), so that the two share the
// standard library on an empty build cache.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"

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
	if inv.GoCmd == "" {
		inv.GoCmd = "go"
	}
	exe, err := compiled(inv, stderr)
	if exe == "" {
		if err != nil {
			errlog.Println("Error:", err)
		}
		return 1
	}
	if dir := filepath.Dir(exe); strings.HasSuffix(dir, ".tmp") {
		defer os.RemoveAll(dir) // a build that could not be kept runs once
	}
	return runCompiled(inv, exe, errlog)
}

// compiled returns the magefile's binary from the cache, compiling it
// first when its inputs changed. An empty path with a nil error means
// mage said why on stderr.
func compiled(inv mage.Invocation, stderr io.Writer) (string, error) {
	c := newCache(inv.CacheDir, inv.Dir)
	in, err := inputs(inv)
	if err != nil {
		return "", err
	}
	if exe, ok, err := c.lookup(in); err != nil || ok && !inv.Force {
		return exe, err
	}
	unlock, err := filelock.Lock(filelock.For(inv.CacheDir, "compile", inv.Dir), stderr,
		"another `go tool mage` is compiling the magefile in "+filelock.Real(inv.Dir))
	if err != nil {
		return "", err
	}
	defer unlock()
	// The one before may have compiled it while this one waited.
	if exe, ok, err := c.lookup(in); err != nil || ok && !inv.Force {
		return exe, err
	}
	// A folder of this compile's own, for a binary named mage as upstream's
	// (the name is in its usage lines), renamed into place when done.
	tmpDir, err := os.MkdirTemp(inv.CacheDir, c.prefix+"*.tmp")
	if err != nil {
		return "", fmt.Errorf("compiling the magefile: %w", err)
	}
	keepTmp := false
	defer func() {
		if !keepTmp {
			os.RemoveAll(tmpDir)
		}
	}()
	tmp := filepath.Join(tmpDir, "mage")
	if runtime.GOOS == "windows" {
		tmp += ".exe"
	}
	compile := inv
	compile.CompileOut = tmp
	compile.Args = nil
	restore := shareStd()
	defer restore()
	// The binary's name hashes its packages as they are before the
	// compile reads them: an edit made while it runs then misses the
	// cache next time, instead of naming a binary built without it.
	deps, exe, err := c.key(inv, in)
	if err != nil {
		return "", err
	}
	fmt.Fprintln(stderr, "compiling the magefile (first run, or it or a package it imports changed)")
	if mage.Invoke(compile) != 0 {
		return "", nil
	}
	// Saved before the compile read it and undone since, an edit would be
	// in the binary but not in its name: kept only if the packages still
	// hash to the name, else run once from tmpDir, removed after the run.
	if now, err := c.exe(in, deps); err != nil || now != exe {
		keepTmp = true
		return tmp, nil
	}
	if err := c.install(in, deps, tmp, exe); err != nil {
		return "", err
	}
	return exe, nil
}

// shareStd has the magefile compiled, unless the environment says
// otherwise, without cgo and with -trimpath: as build compiles the
// service for linux/amd64, so that on an empty build cache the standard
// library is compiled once for both (net/http, crypto/tls and the rest
// the service needs), not once with cgo for the magefile and once
// without for the service. The magefile needs no cgo: it starts runc and
// the go command, and talks to 127.0.0.1 and registries. The returned
// func puts the environment back: the targets (go test -race) keep cgo.
func shareStd() (restore func()) {
	var undo []func()
	set := func(k, v string) {
		old, had := os.LookupEnv(k)
		os.Setenv(k, v)
		undo = append(undo, func() {
			if had {
				os.Setenv(k, old)
			} else {
				os.Unsetenv(k)
			}
		})
	}
	if _, ok := os.LookupEnv("CGO_ENABLED"); !ok {
		set("CGO_ENABLED", "0")
	}
	if flags := os.Getenv("GOFLAGS"); !strings.Contains(flags, "-trimpath") {
		set("GOFLAGS", strings.TrimSpace(flags+" -trimpath"))
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}
