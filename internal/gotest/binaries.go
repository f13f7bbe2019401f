package gotest

import (
	"context"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/gotool"
)

// WithBinaries keeps each package's test binary in a folder under dir
// (go test -o), so that the next run links again only the binaries whose
// package or dependencies changed: the go command finds the others up to
// date and runs them as they are, as go build -o does with its output.
// Linking is most of what go test itself costs on a warm cache, about
// 0.6 s of CPU a package with the race detector. The binaries are
// stripped (-ldflags=-s -w, as go test's own, unless GOFLAGS sets
// -ldflags). Default none: go test links every binary anew, runs it, and
// removes it.
func WithBinaries(dir string) Option { return func(o *options) { o.binaries = dir } }

// keepBinaries gives each run a folder under keep for its test binaries.
// go test -o names a binary for the last element of its package's path,
// so of the packages that share one (lint and lint/cmd/lint) the first by
// path stays in its run and the others go to runs of their own, each with
// a folder of its own: a package is always in the same folder, whatever
// the order. The packages of a run that go list did not give (patterns)
// are listed first; a run that go list cannot list is left as it is, and
// go test says what is wrong.
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
		for i, group := range byBinaryName(pkgs) {
			g := r
			g.packages, g.listed, g.binaries = group, true, filepath.Join(keep, folder)
			if i > 0 {
				g.binaries += "." + strconv.Itoa(i+1)
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
		byName[path.Base(p)] = append(byName[path.Base(p)], p)
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
