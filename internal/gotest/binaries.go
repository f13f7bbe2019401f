package gotest

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/gotool"
)

// WithBinaries keeps each package's test binary in a folder under dir
// (go test -o) when WithFresh runs every test, so that the next such run
// links again only the binaries whose package or dependencies changed:
// the go command finds the others up to date and runs them as they are,
// as go build -o does with its output. Linking is most of what go test
// itself costs on a warm cache, about 0.6 s of CPU a package with the
// race detector. Without WithFresh nothing is kept: go test then links
// no package whose result it has cached, and -o would make it link
// those whose kept binary is of other code (after a branch switch). The
// binaries are stripped (-ldflags=-s -w, as go test's own, unless GOFLAGS
// sets -ldflags). A folder this user cannot write to (one a run as root
// made) keeps nothing, and a line says so. Default none: go test links
// every binary anew, runs it, and removes it.
func WithBinaries(dir string) Option { return func(o *options) { o.binaries = dir } }

// keepBinaries gives each run a folder under keep for its test binaries.
// go test -o names a binary for the last element of its package's path
// (binaryName), so of the packages that share one (lint and
// lint/cmd/lint) the first by path stays in its run and the others go to
// runs of their own, each with a folder of its own: a package is always
// in the same folder, whatever the order. Those runs start after the
// first ends: two go commands at once on a cold cache would each compile
// the dependencies they share. The packages of a run that go list did not
// give (patterns) are listed first; a run that go list cannot list is
// left as it is, and go test says what is wrong.
func keepBinaries(ctx context.Context, dir string, runs []goTest, keep string) []goTest {
	var out []goTest
	for _, r := range runs {
		pkgs := r.packages
		if !r.listed {
			listed, err := gotool.Output(ctx, dir, append([]string{"list", "-e", "-f", "{{.ImportPath}}"}, r.packages...)...)
			if err != nil || len(strings.Fields(listed)) == 0 {
				out = append(out, r)
				continue
			}
			pkgs = strings.Fields(listed)
		}
		folder := "race"
		if !r.race {
			folder = "norace"
		}
		first := len(out)
		for i, group := range byBinaryName(pkgs) {
			g := r
			g.packages, g.listed, g.binaries = group, true, filepath.Join(keep, folder)
			if i > 0 {
				g.binaries += "." + strconv.Itoa(i+1)
				g.after = first + 1
			}
			out = append(out, g)
		}
	}
	return out
}

// byBinaryName divides pkgs into groups in which no two packages' test
// binaries have the same name: the first group has the first of each
// name by path, the second the second, and so on; each keeps pkgs' order.
func byBinaryName(pkgs []string) [][]string {
	byName := map[string][]string{}
	for _, p := range pkgs {
		byName[binaryName(p)] = append(byName[binaryName(p)], p)
	}
	rank := map[string]int{}
	for _, same := range byName {
		slices.Sort(same)
		for i, p := range same {
			rank[p] = i
		}
	}
	var groups [][]string
	for _, p := range pkgs {
		for len(groups) <= rank[p] {
			groups = append(groups, nil)
		}
		groups[rank[p]] = append(groups[rank[p]], p)
	}
	return groups
}

// binaryName is the name go test -o gives the test binary of the package
// at importPath, without ".test": the last element of the path, or the
// one before it when the last is a major version such as v2 (as the go
// command names an executable, load.DefaultExecName).
func binaryName(importPath string) string {
	if dir, elem := path.Split(importPath); dir != "" && majorVersion(elem) {
		return path.Base(path.Clean(dir))
	}
	return path.Base(importPath)
}

// majorVersion says whether elem is a path element such as v2 or v10
// (not v0 or v1), as the go command's isVersionElement does.
func majorVersion(elem string) bool {
	if len(elem) < 2 || elem[0] != 'v' || elem[1] == '0' || elem == "v1" {
		return false
	}
	for _, c := range elem[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// writable makes dir if need be and says why this user cannot write to
// it, if it cannot.
func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".writable-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
