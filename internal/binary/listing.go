package binary

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/scanner"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// `go list -deps` of the service costs a go command per platform on every
// build, as much CPU as a third of its compile after a one-line edit. Its
// answer (which packages, which of their files) depends on the platform,
// go.mod, go.sum and, in the packages' folders, on which files there are
// and on each Go file's header: build constraints, package clause,
// imports. So the answer is kept in the binary's sidecar with a hash of
// those (its shape), and given again while they hold: an edit inside a
// function, the common case, runs no go list. Anything else (a new file,
// a changed import or constraint, a package outside the main module, a
// //go:embed whose patterns could match new files) asks go list again.

// listTemplate prints one line per non-standard package: import path,
// folder, the main module's root if the package is in it, then its files.
const listSep = "\x1f" // no NUL: it cannot pass through argv

var listTemplate = `{{if not .Standard}}{{.ImportPath}}` + listSep + `{{.Dir}}` + listSep + `{{with .Module}}{{if .Main}}{{.Dir}}{{end}}{{end}}` + listSep +
	`{{range .GoFiles}}{{.}}` + listSep + `{{end}}{{range .SFiles}}{{.}}` + listSep + `{{end}}{{range .HFiles}}{{.}}` + listSep + `{{end}}` +
	`{{range .EmbedFiles}}{{.}}` + listSep + `{{end}}{{range .SysoFiles}}{{.}}` + listSep + `{{end}}` + "\n{{end}}"

// listing is go list's answer for one platform, and what it was given for.
type listing struct {
	key   string // listKey: the package, the pinned environment, go.mod, go.sum
	shape string // listShape of the packages' folders; "" if not to be kept
	out   string // listTemplate's lines
}

// listPackages is the listing of pkg in dir for one platform: prev's when
// its key and shape still hold, else go list's, run in env.
func listPackages(ctx context.Context, dir, pkg string, pinnedEnv []string, prev listing, env func() ([]string, error)) (listing, error) {
	key, err := listKey(dir, pkg, pinnedEnv)
	if err != nil {
		return listing{}, err
	}
	before, beforeOK := listShape(prev.out, time.Time{})
	if prev.key == key && prev.shape != "" && beforeOK && before == prev.shape {
		return prev, nil
	}
	cmdEnv, err := env()
	if err != nil {
		return listing{}, err
	}
	start := time.Now()
	// -buildvcs=false: with GOENV off, go list would otherwise run git
	// seven times to stamp a version that the template never reads.
	cmd := exec.CommandContext(ctx, "go", "list", "-buildvcs=false", "-deps", "-f", listTemplate, pkg)
	cmd.Dir = dir
	cmd.Env = cmdEnv
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return listing{}, fmt.Errorf("go list %s: %w: %s", pkg, err, strings.TrimSpace(stderr.String()))
	}
	l := listing{key: key, out: string(out)}
	// Kept only if go list cannot have seen the folders half-changed: they
	// hashed the same just before it and just after it, or, the first time,
	// nothing in them changed while it ran.
	if slices.Equal(listDirs(prev.out), listDirs(l.out)) {
		if after, ok := listShape(l.out, time.Time{}); ok && beforeOK && after == before {
			l.shape = after
		}
	} else {
		l.shape, _ = listShape(l.out, start)
	}
	return l, nil
}

// listKey hashes what go list's answer depends on outside the packages'
// folders.
func listKey(dir, pkg string, pinnedEnv []string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "go list 1 %q\n", pkg)
	for _, kv := range pinnedEnv {
		fmt.Fprintf(h, "env %q\n", kv)
	}
	for _, name := range []string{"go.mod", "go.sum", filepath.Join("vendor", "modules.txt")} {
		fmt.Fprintf(h, "%s ", name)
		if err := hashInto(h, filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// listShape hashes what go list's answer out depends on in the folders of
// the packages it lists: each folder's entries, each Go file's header and
// every other file but tests. ok is false when out is not to be kept: a
// package outside the main module or with //go:embed, a folder gone, or
// (with a non-zero since) an entry changed since go list started, which
// go list may have seen either way.
func listShape(out string, since time.Time) (string, bool) {
	dirs := listDirs(out)
	if dirs == nil {
		return "", false
	}
	h := sha256.New()
	for _, dir := range dirs {
		if !hashFolder(h, dir, since) {
			return "", false
		}
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// listDirs are the folders of the packages out lists, sorted, or nil when
// one is outside the main module.
func listDirs(out string) []string {
	var dirs []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		fields := strings.Split(line, listSep)
		if len(fields) < 3 || fields[2] == "" {
			return nil
		}
		dirs = append(dirs, fields[1])
	}
	slices.Sort(dirs)
	return slices.Compact(dirs)
}

// hashFolder writes to h dir's entries with, for files (and links to
// files), a Go file's header or another file's contents; tests are named
// only, as go list -deps never selects them.
func hashFolder(h io.Writer, dir string, since time.Time) bool {
	entries, err := os.ReadDir(dir)
	if err != nil || recent(dir, since) {
		return false
	}
	fmt.Fprintf(h, "folder %q\n", dir)
	for _, e := range entries {
		name := e.Name()
		fmt.Fprintf(h, "%q %v\n", name, e.Type())
		path := filepath.Join(dir, name)
		if strings.HasSuffix(name, "_test.go") || !regular(path, e) {
			continue
		}
		if recent(path, since) {
			return false
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		if filepath.Ext(name) == ".go" {
			if bytes.Contains(data, []byte("//go:embed")) {
				return false
			}
			data = header(data)
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%x\n", sum)
	}
	return true
}

// regular reports whether the entry e at path is a file, or a link to
// one: go list reads a linked file as its own, so a change to its header
// must be seen as one to a file in the folder.
func regular(path string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return e.Type().IsRegular()
	}
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// recent reports whether path changed at or after since, or about then
// (modification times can lag the clock by a tick): with a zero since,
// never.
func recent(path string, since time.Time) bool {
	if since.IsZero() {
		return false
	}
	fi, err := os.Stat(path)
	return err != nil || !fi.ModTime().Before(since.Add(-time.Second))
}

// header is the part of a Go file that go list reads: everything up to
// the first declaration after the package clause and the imports, with
// the comments (build constraints, cgo preambles) among them.
func header(src []byte) []byte {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", fset.Base(), len(src)), src, nil, scanner.ScanComments)
	depth := 0
	seenPackage := false
	for {
		pos, tok, _ := s.Scan()
		switch {
		case tok == token.EOF:
			return src
		case tok == token.COMMENT || tok == token.SEMICOLON:
		case tok == token.LPAREN:
			depth++
		case tok == token.RPAREN:
			depth--
		case depth > 0:
		case tok == token.PACKAGE:
			seenPackage = true
		case tok == token.IMPORT, tok == token.IDENT, tok == token.STRING, tok == token.PERIOD:
		default:
			if seenPackage {
				return src[:fset.Position(pos).Offset]
			}
		}
	}
}
