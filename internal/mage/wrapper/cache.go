package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/magefile/mage/mage"

	"github.com/lehus1/devops-info-service-go/internal/mage/buildinputs"
)

// A compiled magefile is kept in mage's cache folder (MAGEFILE_CACHE, by
// default ~/.magefile, which `go tool mage -clean` empties), under names
// that start with one prefix per magefile folder:
//
//	<prefix><inputs>.deps  the main module's packages the magefile imports
//	<prefix><key>          the binary (<key>.exe on Windows)
//	<prefix>*.tmp          a folder a binary is compiled in, then renamed out
//
// <inputs> hashes what the go command is told: the Go version, the
// environment that changes a build, the magefile folder's Go files and
// every go.mod, go.sum, go.work and go.work.sum above it. Mage's own cache
// stops there, so it runs a stale binary after an edit to a package the
// magefile imports; <key> adds the contents of those packages, listed in
// the .deps file when the binary was made. Packages from the module cache
// are named by go.sum; the standard library by the Go version.

// buildExts are the file kinds `go build` reads in a package's folder.
var buildExts = []string{".go", ".s", ".S", ".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".m", ".f", ".F", ".for", ".f90", ".syso", ".swig", ".swigcxx"}

// cache is where one magefile folder's compiled binaries are kept.
type cache struct {
	dir    string // mage's cache folder
	prefix string // names the magefile folder
}

func newCache(cacheDir, magefileDir string) cache {
	abs, err := filepath.Abs(magefileDir)
	if err != nil {
		abs = magefileDir
	}
	sum := sha256.Sum256([]byte(abs))
	return cache{dir: cacheDir, prefix: "mage-" + hex.EncodeToString(sum[:6]) + "-"}
}

// inputs hashes what the magefile's build depends on besides the main
// module's packages it imports.
func inputs(inv mage.Invocation) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "go tool mage 2\n%s %s/%s\ngo=%q ldflags=%q goos=%q goarch=%q\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, inv.GoCmd, inv.Ldflags, inv.GOOS, inv.GOARCH)
	if err := buildinputs.Write(h, inv.Dir); err != nil {
		return "", fmt.Errorf("hashing the magefile's inputs: %w", err)
	}
	for _, d := range []string{inv.Dir, filepath.Join(inv.Dir, mage.MagefilesDirName)} {
		if err := hashPackage(h, d, true); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// dep is one of the main module's packages the magefile imports.
type dep struct {
	Dir        string
	EmbedFiles []string `json:",omitempty"`
}

// lookup returns the binary for these inputs, and whether it is there:
// the name is known only once the packages the magefile imports are
// listed, which the first compile does.
func (c cache) lookup(in string) (exe string, ok bool, err error) {
	data, err := os.ReadFile(c.path(c.prefix + in + ".deps"))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reading the magefile's cache: %w", err)
	}
	var deps []dep
	if err := json.Unmarshal(data, &deps); err != nil {
		return "", false, nil // a torn or foreign file: compile again
	}
	exe, err = c.exe(in, deps)
	if err != nil {
		return "", false, err
	}
	_, err = os.Stat(exe)
	return exe, err == nil, nil
}

// exe is the binary's path: the inputs and the contents of deps.
func (c cache) exe(in string, deps []dep) (string, error) {
	h := sha256.New()
	io.WriteString(h, in)
	for _, d := range deps {
		fmt.Fprintf(h, "\npackage %q\n", d.Dir)
		if err := hashPackage(h, d.Dir, false); err != nil {
			return "", err
		}
		for _, f := range d.EmbedFiles {
			if err := hashFile(h, filepath.Join(d.Dir, f)); err != nil {
				return "", err
			}
		}
	}
	name := c.prefix + hex.EncodeToString(h.Sum(nil))[:32]
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return c.path(name), nil
}

// key lists the packages the magefile in inv.Dir imports and returns
// them with the path of the binary compiled from them as they are now.
func (c cache) key(inv mage.Invocation, in string) ([]dep, string, error) {
	deps, err := listDeps(inv)
	if err != nil {
		return nil, "", err
	}
	exe, err := c.exe(in, deps)
	return deps, exe, err
}

// install records deps, key's list, for in and renames tmp, the binary
// just compiled, to exe, key's path.
func (c cache) install(in string, deps []dep, tmp, exe string) error {
	data, err := json.Marshal(deps)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, exe); err != nil {
		return fmt.Errorf("caching the magefile's binary: %w", err)
	}
	f, err := os.CreateTemp(c.dir, c.prefix+"*.tmp")
	if err != nil {
		return fmt.Errorf("caching the magefile's binary: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.path(c.prefix+in+".deps"))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("caching the magefile's binary: %w", err)
	}
	c.prune(exe, c.path(c.prefix+in+".deps"))
	return nil
}

// keep is how many binaries, and lists of imports, a magefile folder
// keeps: enough to switch between branches without compiling again.
const keep = 3

// tmpAge is how old a compile's folder must be for prune to take it as
// left by a killed compile.
const tmpAge = time.Minute

// prune removes what a killed compile left (it runs under the compile
// lock, so no other compile of this folder is writing; what is younger
// than tmpAge it leaves for later) and all but the newest few binaries
// and lists. A run that is starting one of those has
// it open already; unlinking does not take it away.
func (c cache) prune(current ...string) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	type file struct {
		path string
		mod  time.Time
	}
	var bins, lists []file
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, c.prefix) {
			continue
		}
		path := c.path(name)
		info, err := e.Info()
		if strings.HasSuffix(name, ".tmp") {
			// A fresh one may be a binary another run is about to start
			// (compiled runs it from there when the build cannot be kept).
			if err == nil && time.Since(info.ModTime()) > tmpAge {
				os.RemoveAll(path)
			}
			continue
		}
		if err != nil || slices.Contains(current, path) {
			continue
		}
		if strings.HasSuffix(name, ".deps") {
			lists = append(lists, file{path, info.ModTime()})
		} else {
			bins = append(bins, file{path, info.ModTime()})
		}
	}
	for _, files := range [][]file{bins, lists} {
		slices.SortFunc(files, func(a, b file) int { return b.mod.Compare(a.mod) })
		for i := keep - 1; i < len(files); i++ {
			os.Remove(files[i].path)
		}
	}
}

func (c cache) path(name string) string { return filepath.Join(c.dir, name) }

// listDeps lists the packages the magefile imports that are neither in the
// standard library nor in the module cache: the main module's (and
// replacements' on disk).
func listDeps(inv mage.Invocation) ([]dep, error) {
	modcache, err := goOutput(inv, inv.Dir, "env", "GOMODCACHE")
	if err != nil {
		return nil, err
	}
	modcache = strings.TrimSpace(modcache)
	seen := map[string]bool{}
	var deps []dep
	for _, d := range []string{inv.Dir, filepath.Join(inv.Dir, mage.MagefilesDirName)} {
		if _, err := os.Stat(d); err != nil {
			continue
		}
		out, err := goOutput(inv, d, "list", "-e", "-deps", "-tags", "mage", "-json=Dir,Standard,EmbedFiles", ".")
		if err != nil {
			return nil, err
		}
		for dec := json.NewDecoder(strings.NewReader(out)); ; {
			var p struct {
				dep
				Standard bool
			}
			if err := dec.Decode(&p); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("listing the magefile's imports: %w", err)
			}
			if p.Standard || p.Dir == "" || seen[p.Dir] || modcache != "" && strings.HasPrefix(p.Dir, modcache+string(filepath.Separator)) {
				continue
			}
			seen[p.Dir] = true
			deps = append(deps, p.dep)
		}
	}
	slices.SortFunc(deps, func(a, b dep) int { return strings.Compare(a.Dir, b.Dir) })
	return deps, nil
}

func goOutput(inv mage.Invocation, dir string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(inv.GoCmd, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("listing the magefile's imports: %s %s: %v: %s", inv.GoCmd, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// mainfile is the main package mage writes beside the magefile while it
// compiles it, and removes after.
const mainfile = "mage_output_file.go"

// hashPackage hashes the names and contents of the files `go build`
// reads in dir (not its tests, nor mage's mainfile); a missing dir hashes
// as empty. With goOnly, only .go files: the magefile's folder. The
// mainfile is left out because another command may be compiling the
// magefile: had it counted, the file coming and going would look like an
// edit, and this command would compile again, writing the file again.
func hashPackage(h hash.Hash, dir string, goOnly bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("hashing the magefile's inputs: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if e.IsDir() || strings.HasSuffix(name, "_test.go") || !slices.Contains(buildExts, ext) || goOnly && ext != ".go" || name == mainfile {
			continue
		}
		if err := hashFile(h, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// hashFile is buildinputs.File, its error saying what was being done.
func hashFile(h io.Writer, path string) error {
	if err := buildinputs.File(h, path); err != nil {
		return fmt.Errorf("hashing the magefile's inputs: %w", err)
	}
	return nil
}
