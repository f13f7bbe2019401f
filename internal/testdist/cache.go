package testdist

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/filelock"
	"github.com/lehus1/devops-info-service-go/internal/gotool"
)

// A build is kept for the whole suite, not once per test binary: in a
// folder under the user's cache named by a hash of all it is made of
// (key), built in a temporary folder and renamed into place whole, so a
// folder of that name is a finished build of those very inputs. The
// build's own reuse check (image.Reusable) cannot do this: it counts the
// running program among the inputs, and every package's test binary is
// another program.

// sumsFile lists each file of a kept build with its sha256; a build whose
// files no longer match (a test wrote to it, a disk went bad) is built
// again rather than served.
const sumsFile = "SHA256SUMS"

// keep is how long a build no test binary has asked for is kept. A test
// binary asks once, when its first test needs the build, and reads it
// until it ends: far less than this.
const keep = 2 * time.Hour

// cacheDir is where builds are kept.
func cacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache folder for test builds: %w", err)
	}
	return filepath.Join(dir, "devops-info-service-go", "testdist"), nil
}

// cached is the kept build in cache of what key hashes, made by fill
// (which builds in the folder it is given) when there is none or it is
// damaged. One process at a time fills a folder; others wait, then use it.
func cached(cache string, key func() (string, error), fill func(dir string) error) (string, error) {
	k, err := key()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, k)
	if use(dir) == nil {
		return dir, nil
	}
	unlock, err := filelock.Lock(filelock.For(filepath.Join(cache, "locks"), "build", cache), os.Stderr,
		"another test binary is building the service image in "+cache)
	if err != nil {
		return "", err
	}
	defer unlock()
	if use(dir) == nil { // built while this one waited
		return dir, nil
	}
	sweep(cache)
	if err := os.RemoveAll(dir); err != nil { // damaged
		return "", err
	}
	tmp, err := os.MkdirTemp(cache, ".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := fill(tmp); err != nil {
		return "", err
	}
	if err := writeSums(tmp); err != nil {
		return "", err
	}
	// fill read the sources after k was taken: an edit saved in between,
	// then undone, would be kept as k's build. So it is kept under k only
	// if the sources still hash to it; else under a name no key has, for
	// this run alone, which sweep removes once it is unused.
	if now, err := key(); err != nil || now != k {
		dir = filepath.Join(cache, "unkept"+strings.TrimPrefix(filepath.Base(tmp), ".tmp"))
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// use marks the build in dir as used now and checks it is whole.
func use(dir string) error {
	now := time.Now()
	if err := os.Chtimes(dir, now, now); err != nil {
		return err
	}
	want, err := os.ReadFile(filepath.Join(dir, sumsFile))
	if err != nil {
		return err
	}
	got, err := sums(dir)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s changed since it was built", dir)
	}
	return nil
}

// sweep removes, holding the lock, what a build stopped mid-way left and
// the builds no one has used for a while.
func sweep(cache string) {
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || e.Name() == "locks" {
			continue
		}
		if strings.HasPrefix(e.Name(), ".tmp-") || time.Since(fi.ModTime()) > keep {
			os.RemoveAll(filepath.Join(cache, e.Name()))
		}
	}
}

func writeSums(dir string) error {
	data, err := sums(dir)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, sumsFile), data, 0o644)
}

// sums lists every file under dir but sumsFile, "<sha256>  <path>" a
// line, in WalkDir's order.
func sums(dir string) ([]byte, error) {
	var buf bytes.Buffer
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == filepath.Join(dir, sumsFile) {
			return err
		}
		sum, err := fileSum(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(&buf, "%s  %s\n", sum, filepath.ToSlash(rel))
		return nil
	})
	return buf.Bytes(), err
}

// fileSum is the sha256 of path's contents, in hex.
func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// key is a hash of what Build's outputs are made of: the settings
// (extra), this program's Go release and build settings, the module's
// go.mod and go.sum, and the packages of the service (./app) and of the
// build (this package and all it imports): a module's path and version,
// or, for the module's own packages and those replaced by a folder,
// every .go file of their folders (those another build's constraints
// would select too) and the files they embed.
func key(ctx context.Context, module string, extra ...string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			fmt.Fprintf(h, "setting %s=%s\n", s.Key, s.Value)
		}
	}
	for _, e := range extra {
		fmt.Fprintf(h, "extra %q\n", e)
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		sum, err := fileSum(filepath.Join(module, name))
		if err != nil && !os.IsNotExist(err) {
			return "", err
		}
		fmt.Fprintf(h, "file %s %s\n", name, sum)
	}
	const sep = "\x1f"
	tmpl := `{{if not .Standard}}{{.ImportPath}}` + sep + `{{.Dir}}` + sep +
		`{{with .Module}}{{.Path}}@{{.Version}}{{with .Replace}}=>{{.Path}}@{{.Version}}{{end}}{{end}}` + sep +
		`{{range .GoFiles}}{{.}}` + sep + `{{end}}{{range .CgoFiles}}{{.}}` + sep + `{{end}}{{range .IgnoredGoFiles}}{{.}}` + sep + `{{end}}` +
		`{{range .SFiles}}{{.}}` + sep + `{{end}}{{range .EmbedFiles}}{{.}}` + sep + `{{end}}` + "\n{{end}}"
	out, err := gotool.Output(ctx, module, "list", "-buildvcs=false", "-deps", "-f", tmpl, "./app", "./internal/testdist")
	if err != nil {
		return "", fmt.Errorf("listing the build's packages: %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Split(strings.TrimSuffix(sc.Text(), sep), sep)
		if len(f) < 3 {
			continue
		}
		fmt.Fprintf(h, "pkg %s %s\n", f[0], f[2])
		// A module version names its files for good; the module's own
		// packages, and a replacement by a folder (no version), do not.
		if mod, repl, _ := strings.Cut(f[2], "=>"); f[2] != "" && !strings.HasSuffix(mod, "@") && (repl == "" || !strings.HasSuffix(repl, "@")) {
			continue
		}
		for _, name := range f[3:] {
			sum, err := fileSum(filepath.Join(f[1], name))
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "file %s %s\n", name, sum)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}
