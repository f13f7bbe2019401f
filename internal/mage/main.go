// Command mage is what `go tool mage` runs (go.mod's tool directive names
// this package): a launcher for the wrapper in ./wrapper, which is Mage
// with the magefile's compile serialized and cached.
//
// `go tool` compiles its tool as the user's settings say: with cgo and
// without -trimpath. The magefile and the service are compiled without
// cgo and with -trimpath, so on an empty build cache every standard
// package the wrapper needs (Mage's parser and templates, JSON, SHA-256)
// was compiled once more, for the wrapper alone. This launcher needs
// little more than the runtime and os: it builds the wrapper as the
// magefile is built, once per change to what the wrapper is built from,
// into mage's cache folder (temporary name, renamed into place), and
// executes it. On Unix the wrapper replaces this process: the same pid,
// parent, stdin and stdout, signals and exit code as before.
package main

import (
	"errors"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/mage/buildinputs"
)

// wrapperPkgs are the main module's packages the wrapper is built from,
// relative to the module's root (TestWrapperPkgs keeps the list whole).
var wrapperPkgs = []string{"internal/mage/wrapper", "internal/mage/buildinputs", "internal/filelock"}

// keep is how many wrapper binaries the cache folder keeps.
const keep = 3

// progress is where the launcher says it is compiling, which on an
// empty build cache is most of a minute with nothing else said.
var progress io.Writer = os.Stderr

func main() {
	exe, err := wrapper()
	if err != nil {
		os.Stderr.WriteString("Error: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Exit(launch(exe, os.Args))
}

// wrapper returns the wrapper's binary, building it first if its inputs
// changed.
func wrapper() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	return wrapperIn(root)
}

// wrapperIn is wrapper for the module in root.
func wrapperIn(root string) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("building the wrapper of `go tool mage`: " + err.Error())
	}
	key, err := inputs(root, goCmd)
	if err != nil {
		return "", err
	}
	dir := cacheDir()
	exe := filepath.Join(dir, "mage-wrapper-"+key)
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	if _, err := os.Stat(exe); err == nil {
		return exe, nil
	}
	io.WriteString(progress, "compiling mage's wrapper (first run, or internal/mage changed)\n")
	tmp, err := build(goCmd, root, dir, exe)
	if err != nil {
		return "", err
	}
	// go build read the sources after key was taken: an edit saved in
	// between, then undone, would leave the edited wrapper cached as
	// key's. So it is cached only if the sources still hash to key; else
	// it runs this once from its temporary name, which prune removes later.
	if after, err := inputs(root, goCmd); err != nil || after != key {
		return tmp, nil
	}
	if err := install(tmp, exe); err != nil {
		return "", err
	}
	prune(dir, exe)
	return exe, nil
}

// moduleRoot is the folder of the go.mod above this package's sources.
// The path compiled in names them, unless the launcher was built with
// -trimpath: then the go command is asked.
func moduleRoot() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	return rootOf(file)
}

// rootOf is the folder of the go.mod above the source file file, an
// absolute path or, from a -trimpath build, an import path and a name.
func rootOf(file string) (string, error) {
	dir := filepath.Dir(file)
	if _, err := os.Stat(file); err != nil || !filepath.IsAbs(file) {
		out, err := exec.Command("go", "list", "-f", "{{.Dir}}", path.Dir(file)).Output()
		if err != nil {
			return "", errors.New("finding the sources of `go tool mage`: go list " + path.Dir(file) + ": " + err.Error())
		}
		dir = strings.TrimSpace(string(out))
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("finding the sources of `go tool mage`: no go.mod above " + dir)
		}
	}
}

// cacheDir is mage's cache folder, which `go tool mage -clean` empties.
func cacheDir() string {
	if d := os.Getenv("MAGEFILE_CACHE"); d != "" {
		return d
	}
	if runtime.GOOS == "windows" {
		return filepath.Join(os.Getenv("HOMEDRIVE"), os.Getenv("HOMEPATH"), "magefile")
	}
	return filepath.Join(os.Getenv("HOME"), ".magefile")
}

// inputs hashes what the wrapper is built from: the Go version, the go
// command that builds it, buildinputs' environment and module files from
// the root up (they name the version of Mage and of every other module),
// and the wrapper's packages in this module.
func inputs(root, goCmd string) (string, error) {
	h := fnv.New128a()
	io.WriteString(h, "go tool mage launcher 2\n"+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+"\n"+goCmd+"\n")
	if err := buildinputs.Write(h, root); err != nil {
		return "", errors.New("hashing the sources of `go tool mage`: " + err.Error())
	}
	for _, pkg := range wrapperPkgs {
		entries, err := os.ReadDir(filepath.Join(root, pkg))
		if err != nil {
			return "", errors.New("hashing the sources of `go tool mage`: " + err.Error())
		}
		for _, e := range entries {
			if name := e.Name(); strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
				if err := buildinputs.File(h, filepath.Join(root, pkg, name)); err != nil {
					return "", errors.New("hashing the sources of `go tool mage`: " + err.Error())
				}
			}
		}
	}
	const digits = "0123456789abcdef"
	var key []byte
	for _, b := range h.Sum(nil) {
		key = append(key, digits[b>>4], digits[b&15])
	}
	return string(key), nil
}

// build compiles the wrapper as the wrapper compiles the magefile (no
// cgo, -trimpath, unless the environment says otherwise), so that the two
// share the standard library in the build cache, to a temporary name in
// dir, whose path it returns. Killed, this process takes the go command
// down with it (on Linux), and leaves at most the temporary file, which a
// later build removes.
func build(goCmd, root, dir, exe string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", errors.New("building the wrapper of `go tool mage`: " + err.Error())
	}
	tmp := exe + "." + strconv.Itoa(os.Getpid()) + ".tmp"
	cmd := exec.Command(goCmd, "build", "-o", tmp, "./"+wrapperPkgs[0])
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
	cmd.Env = os.Environ()
	if _, ok := os.LookupEnv("CGO_ENABLED"); !ok {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	if flags := os.Getenv("GOFLAGS"); !strings.Contains(flags, "-trimpath") {
		cmd.Env = append(cmd.Env, "GOFLAGS="+strings.TrimSpace(flags+" -trimpath"))
	}
	if err := runTied(cmd); err != nil {
		os.Remove(tmp)
		return "", errors.New("building the wrapper of `go tool mage`: go build ./" + wrapperPkgs[0] + ": " + err.Error())
	}
	return tmp, nil
}

// install renames tmp, a wrapper just built, to exe.
func install(tmp, exe string) error {
	if err := os.Rename(tmp, exe); err != nil {
		os.Remove(tmp)
		// Windows renames nothing over a running binary: one built
		// beside this one is as good.
		if _, serr := os.Stat(exe); serr != nil {
			return errors.New("building the wrapper of `go tool mage`: " + err.Error())
		}
	}
	return nil
}

// prune removes all but the newest few wrapper binaries, and temporary
// files a killed build left an hour ago or more (a build under way is
// younger).
func prune(dir, current string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		path string
		mod  time.Time
	}
	var bins []file
	for _, e := range entries {
		info, err := e.Info()
		p := filepath.Join(dir, e.Name())
		if err != nil || !strings.HasPrefix(e.Name(), "mage-wrapper-") || p == current {
			continue
		}
		if strings.HasSuffix(e.Name(), ".tmp") {
			if time.Since(info.ModTime()) > time.Hour {
				os.Remove(p)
			}
			continue
		}
		bins = append(bins, file{p, info.ModTime()})
	}
	slices.SortFunc(bins, func(a, b file) int { return b.mod.Compare(a.mod) })
	for i := keep - 1; i < len(bins); i++ {
		os.Remove(bins[i].path)
	}
}
