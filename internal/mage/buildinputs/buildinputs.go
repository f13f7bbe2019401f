// Package buildinputs writes to a hash what, besides a package's own
// files, changes what `go build` makes of it: the environment, the user's
// `go env -w` settings and the module files. The launcher of `go tool
// mage` and its wrapper both key the binaries they cache on it. It
// imports nothing the launcher does not, so that the launcher stays small.
package buildinputs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// Env is the environment that changes what `go build` makes.
var Env = []string{
	"GOFLAGS", "GOOS", "GOARCH", "GOAMD64", "GOARM", "GOARM64", "GO386", "GOEXPERIMENT",
	"GOTOOLCHAIN", "GOWORK", "GOROOT", "CGO_ENABLED", "CC", "CGO_CFLAGS", "CGO_LDFLAGS", "GOENV",
}

// Write writes to h each variable of Env (set or not, and its value),
// the user's `go env -w` file, and every go.mod, go.sum, go.work and
// go.work.sum in dir and in each folder above it (they name the version
// of every module a build reads).
func Write(h io.Writer, dir string) error {
	for _, name := range Env {
		v, ok := os.LookupEnv(name)
		io.WriteString(h, name+"="+strconv.FormatBool(ok)+","+strconv.Quote(v)+"\n")
	}
	if cfg, err := os.UserConfigDir(); err == nil {
		if err := File(h, filepath.Join(cfg, "go", "env")); err != nil {
			return err
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for d := abs; ; d = filepath.Dir(d) {
		for _, name := range []string{"go.mod", "go.sum", "go.work", "go.work.sum"} {
			if err := File(h, filepath.Join(d, name)); err != nil {
				return err
			}
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// File writes to h path's name and contents, or that it is missing.
func File(h io.Writer, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		io.WriteString(h, strconv.Quote(path)+" missing\n")
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	io.WriteString(h, strconv.Quote(path)+"\n")
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	io.WriteString(h, "\n"+strconv.FormatInt(n, 10)+"\n")
	return nil
}
