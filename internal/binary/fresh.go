package binary

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
)

// Go's own up-to-date check reads the build ID inside the binary, which a
// reproducible build leaves empty, so `go build` would relink every time.
// Instead, each binary gets a sidecar file with a fingerprint of all that
// goes into it; when that is unchanged and the binary is the one recorded,
// the build is skipped. The sidecar keeps go list's answer too (listing.go).

// sources are what go list says one platform's binary is compiled from.
type sources struct {
	// ImportPath is the main package's.
	ImportPath string
	// Files are the main module's files in the build, relative to its root
	// and slash-separated, go.mod first.
	Files []string
}

// fingerprint hashes what the binary for one platform is made of: the Go
// release, the flags, the pinned environment, go.mod and go.sum, and the
// content of every source file of every non-standard package it imports
// (the files `go list` selects for that platform, listed by lst).
func fingerprint(dir string, args, pinnedEnv []string, lst listing) (string, sources, error) {
	h := sha256.New()
	for _, a := range args {
		fmt.Fprintf(h, "arg %q\n", a)
	}
	for _, kv := range pinnedEnv {
		fmt.Fprintf(h, "env %q\n", kv)
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		if err := hashInto(h, filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			return "", sources{}, err
		}
	}
	src := sources{Files: []string{"go.mod"}}
	for _, line := range strings.Split(strings.TrimSpace(lst.out), "\n") {
		fields := strings.Split(strings.TrimSuffix(line, listSep), listSep)
		if len(fields) < 3 {
			continue
		}
		src.ImportPath = fields[0] // -deps lists the named package last
		fmt.Fprintf(h, "pkg %s\n", fields[0])
		for _, f := range fields[3:] {
			fmt.Fprintf(h, "file %s\n", f)
			if err := hashInto(h, filepath.Join(fields[1], f)); err != nil {
				return "", sources{}, err
			}
			if root := fields[2]; root != "" { // a file of the main module
				rel, err := filepath.Rel(root, filepath.Join(fields[1], f))
				if err != nil {
					return "", sources{}, err
				}
				src.Files = append(src.Files, filepath.ToSlash(rel))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), src, nil
}

func hashInto(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	fmt.Fprintf(w, "%x\n", h.Sum(nil))
	return nil
}

// sidecar is where a binary's record is kept.
func sidecar(binary string) string {
	return filepath.Join(filepath.Dir(binary), "."+filepath.Base(binary)+".inputs")
}

// record is a binary's sidecar: the fingerprint it was built from, its
// sha256 and size, and the listing the fingerprint was taken over.
type record struct {
	fp, sum, size string
	list          listing
}

// readRecord reads path's sidecar; a missing or torn one is empty.
func readRecord(path string) record {
	data, err := os.ReadFile(sidecar(path))
	if err != nil {
		return record{}
	}
	first, rest, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(first)
	if len(f) != 3 {
		return record{}
	}
	r := record{fp: f[0], sum: f[1], size: f[2]}
	second, out, _ := strings.Cut(rest, "\n")
	if l := strings.Fields(second); len(l) == 3 && l[0] == "list" {
		r.list = listing{key: l[1], shape: l[2], out: out}
	}
	return r
}

// upToDate returns the artifact at path if r says it was built from fp
// and it has not been touched since.
func upToDate(path, fp string, p v1.Platform, r record) (Artifact, bool) {
	if r.fp == "" || r.fp != fp {
		return Artifact{}, false
	}
	sum, size, err := hashFile(path)
	if err != nil || sum != r.sum || strconv.FormatInt(size, 10) != r.size {
		return Artifact{}, false
	}
	return Artifact{Platform: p, Path: path, SHA256: sum, Size: size}, true
}

// writeRecord writes a's sidecar, whole or not at all: its fingerprint,
// and the listing when it is to be kept.
func writeRecord(a Artifact, fp string, l listing) error {
	data := fmt.Sprintf("%s %s %d\n", fp, a.SHA256, a.Size)
	if l.shape != "" {
		data += "list " + l.key + " " + l.shape + "\n" + l.out
	}
	return atomicfile.WriteFile(sidecar(a.Path), []byte(data))
}
