package base

import (
	"archive/tar"
	"bufio"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/layer"
)

// Contents is what a base puts in the image, as far as it says.
type Contents struct {
	// Name and Digest identify the base: "static", "scratch", or a
	// reference and its digest.
	Name, Digest string
	// Files are the base's files, for the built-in base.
	Files []File
	// Packages are what the base declares it installed (dpkg's status.d,
	// as distroless writes it).
	Packages []Package
	// Modules are the Go modules the built-in base's content comes from.
	Modules []Module
}

// File is one file of a base.
type File struct {
	Path         string
	SHA1, SHA256 string // SPDX wants both
	Size         int64
}

// Package is one package a base declares.
type Package struct {
	Name, Version, Architecture string
}

// Module is a Go module by path and version.
type Module struct {
	Path, Version string
}

// Contents lists what the base puts in the image for platform p.
func (b *Base) Contents(p v1.Platform) (Contents, error) {
	c := Contents{Name: b.Name, Digest: b.Digest}
	if b.Ref != "" {
		c.Name = b.Ref
	}
	switch b.Name {
	case "scratch":
		return c, nil
	case "static":
		for _, f := range staticFiles() {
			if f.Type != tar.TypeReg {
				continue
			}
			s1, s256 := sha1.Sum(f.Data), sha256.Sum256(f.Data)
			c.Files = append(c.Files, File{Path: "/" + f.Name, SHA1: hex.EncodeToString(s1[:]), SHA256: hex.EncodeToString(s256[:]), Size: int64(len(f.Data))})
		}
		c.Modules = []Module{{Path: caModule, Version: caVersion()}}
		return c, nil
	}
	img, err := b.Image(p)
	if err != nil {
		return Contents{}, err
	}
	if c.Packages, err = dpkgPackages(img); err != nil {
		return Contents{}, fmt.Errorf("reading the packages of base %s: %w", b.Name, err)
	}
	return c, nil
}

// dpkgPackages reads the package records of /var/lib/dpkg/status.d/ (one
// file per package, as distroless images keep them) and of
// /var/lib/dpkg/status, from every layer; later layers win.
func dpkgPackages(img v1.Image) ([]Package, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	found := map[string]Package{}
	for _, l := range layers {
		err := layer.Walk(l, func(h *tar.Header, content io.Reader) error {
			name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
			if h.Typeflag != tar.TypeReg || !(name == "var/lib/dpkg/status" || strings.HasPrefix(name, "var/lib/dpkg/status.d/") && !strings.HasSuffix(name, ".md5sums")) {
				return nil
			}
			for _, p := range parseDpkg(content) {
				found[p.Name+"\x00"+p.Architecture] = p
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]Package, 0, len(found))
	for _, p := range found {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name+out[i].Architecture < out[j].Name+out[j].Architecture })
	return out, nil
}

// parseDpkg reads dpkg status stanzas: "Package:", "Version:" and
// "Architecture:" fields, stanzas separated by blank lines.
func parseDpkg(r io.Reader) []Package {
	var out []Package
	var cur Package
	flush := func() {
		if cur.Name != "" {
			out = append(out, cur)
		}
		cur = Package{}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") {
			continue
		}
		switch k {
		case "Package":
			cur.Name = strings.TrimSpace(v)
		case "Version":
			cur.Version = strings.TrimSpace(v)
		case "Architecture":
			cur.Architecture = strings.TrimSpace(v)
		}
	}
	flush()
	return out
}
