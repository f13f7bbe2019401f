// Package sbom writes an SPDX 2.3 software bill of materials for each
// platform image: the service, the Go toolchain and every module compiled
// into the binary (read from the binary's own build information, the way
// `go version -m` does), and what the base puts in the image. The same
// commit gives the same bytes.
package sbom

import (
	"bytes"
	"crypto/sha1"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/contract"
)

// MediaType is how an SPDX JSON document is named in a registry.
const MediaType = "application/spdx+json"

// Input is what one platform image's SBOM is made from.
type Input struct {
	Binary   binary.Artifact
	Version  string
	Commit   string
	Source   string // the repository's public address; may be empty
	Created  time.Time
	Base     base.Contents
	Platform string // os/arch
}

const noAssertion = "NOASSERTION"

// Document makes the SBOM.
func Document(in Input) (*spdx.Document, error) {
	bi, err := buildinfo.ReadFile(in.Binary.Path)
	if err != nil {
		return nil, fmt.Errorf("reading the build information of %s: %w", in.Binary.Path, err)
	}
	// The source is the image's (IMAGE_SOURCE or the origin remote): where
	// it has none, such as a fork with a local remote, neither does the SBOM.
	download := in.Source
	if download == "" {
		download = noAssertion
	}
	osArch := strings.ReplaceAll(in.Platform, "/", "-")
	name := contract.Name + "-" + in.Version + "-" + osArch
	// Names the content, not the moment: a rebuild of the same commit gives
	// the same namespace. Without a source, SPDX's own prefix for documents
	// whose creator has no address of its own.
	namespace := fmt.Sprintf("https://spdx.org/spdxdocs/%s-%s", name, in.Binary.SHA256)
	if in.Source != "" {
		namespace = fmt.Sprintf("%s/spdx/%s/%s/%s", in.Source, in.Version, osArch, in.Binary.SHA256)
	}
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: namespace,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{Creator: "devops-info-service-go build", CreatorType: "Tool"}},
			Created:  in.Created.UTC().Format(time.RFC3339),
		},
	}
	img := pkg("image", contract.Name, in.Version, download)
	img.PrimaryPackagePurpose = "CONTAINER"
	img.PackageComment = "The container image for " + in.Platform + ": the base below plus " + contract.Binary + "."
	svc := pkg("service", contract.Name, in.Version, download)
	svc.PrimaryPackagePurpose = "APPLICATION"
	svc.PackageFileName = contract.Binary
	svc.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: in.Binary.SHA256}}
	if in.Commit != "" && in.Commit != "unknown" {
		svc.PackageSourceInfo = "built from commit " + in.Commit
		if in.Source != "" {
			svc.PackageSourceInfo += " of " + in.Source
		}
	}
	svc.PackageExternalReferences = []*spdx.PackageExternalReference{purl(fmt.Sprintf("pkg:golang/%s@v%s", bi.Main.Path, in.Version))}
	goPkg := Stdlib(bi.GoVersion)
	doc.Packages = []*spdx.Package{img, svc, goPkg}
	rel := func(a, kind, b string) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", a), RefB: common.MakeDocElementID("", b), Relationship: kind})
	}
	rel("DOCUMENT", "DESCRIBES", "Package-image")
	rel("Package-image", "CONTAINS", "Package-service")
	rel("Package-service", "STATIC_LINK", string(goPkg.PackageSPDXIdentifier))
	for _, m := range Modules(bi) {
		p := pkg("module-"+m.Path, m.Path, m.Version, "https://proxy.golang.org/"+m.Path+"/@v/"+m.Version+".zip")
		p.PrimaryPackagePurpose = "LIBRARY"
		// go.sum's h1 hash is over the module's file tree, not over any
		// one file, so it is no SPDX checksum: it goes in the comment.
		if m.Sum != "" {
			p.PackageComment = "go.sum hash: " + m.Sum
		}
		p.PackageExternalReferences = []*spdx.PackageExternalReference{purl("pkg:golang/" + m.Path + "@" + m.Version)}
		doc.Packages = append(doc.Packages, p)
		rel("Package-service", "STATIC_LINK", string(p.PackageSPDXIdentifier))
	}
	addBase(doc, in.Base, rel)
	return doc, nil
}

// Stdlib is the Go standard library a binary was compiled with (goVersion
// as build information has it, "go1.26.8"), named as syft names it, so
// that scanners match it: grype looks Go packages up by name, and by CPE
// only for "stdlib".
func Stdlib(goVersion string) *spdx.Package {
	v := strings.TrimPrefix(goVersion, "go")
	p := pkg("stdlib", "stdlib", v, "https://go.dev/dl/")
	p.PrimaryPackagePurpose = "LIBRARY"
	p.PackageComment = "The Go standard library (and runtime) the service was compiled with, " + goVersion + "."
	p.PackageExternalReferences = []*spdx.PackageExternalReference{
		purl("pkg:golang/stdlib@" + v),
		{Category: "SECURITY", RefType: "cpe23Type", Locator: "cpe:2.3:a:golang:go:" + v + ":*:*:*:*:*:*:*"},
	}
	return p
}

// Module is a Go module compiled into a binary.
type Module struct {
	Path, Version string
	// Sum is its go.sum hash ("h1:…"), where the build recorded one.
	Sum string
}

// Modules are the modules compiled into the binary, as its build
// information lists them (a replacement in place of what it replaces),
// sorted by path.
func Modules(bi *buildinfo.BuildInfo) []Module {
	var out []Module
	for _, d := range bi.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		out = append(out, Module{Path: d.Path, Version: d.Version, Sum: d.Sum})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// addBase records what the base puts in the image.
func addBase(doc *spdx.Document, c base.Contents, rel func(a, kind, b string)) {
	if c.Name == "scratch" {
		return
	}
	base := pkg("base", c.Name, "", noAssertion)
	base.PrimaryPackagePurpose = "CONTAINER"
	base.PackageComment = "The base image."
	if c.Name == "static" {
		base.PackageComment = "The pipeline's built-in static base: its files are listed, and the module they come from."
	}
	if c.Digest != "" {
		base.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: strings.TrimPrefix(c.Digest, "sha256:")}}
		name := c.Name
		if i := strings.LastIndexAny(name, ":@"); i > strings.LastIndex(name, "/") {
			name = name[:i]
		}
		base.PackageExternalReferences = []*spdx.PackageExternalReference{purl("pkg:oci/" + name[strings.LastIndex(name, "/")+1:] + "@" + strings.ReplaceAll(c.Digest, ":", "%3A") + "?repository_url=" + name)}
	}
	doc.Packages = append(doc.Packages, base)
	rel("Package-image", "CONTAINS", "Package-base")
	if len(c.Files) > 0 {
		// A package that contains files must say it analysed them, with
		// the SPDX verification code over their SHA-1s.
		base.FilesAnalyzed = true
		var sums []string
		for _, f := range c.Files {
			sums = append(sums, f.SHA1)
		}
		sort.Strings(sums)
		code := sha1.Sum([]byte(strings.Join(sums, "")))
		base.PackageVerificationCode = &common.PackageVerificationCode{Value: hex.EncodeToString(code[:])}
		base.PackageLicenseInfoFromFiles = []string{noAssertion}
	}
	for _, f := range c.Files {
		id := "File-base" + strings.NewReplacer("/", "-", ".", "-").Replace(f.Path)
		doc.Files = append(doc.Files, &spdx.File{
			FileName:           "." + f.Path,
			FileSPDXIdentifier: common.ElementID(id),
			Checksums:          []common.Checksum{{Algorithm: common.SHA1, Value: f.SHA1}, {Algorithm: common.SHA256, Value: f.SHA256}},
			LicenseConcluded:   noAssertion,
			LicenseInfoInFiles: []string{noAssertion},
			FileCopyrightText:  noAssertion,
		})
		rel("Package-base", "CONTAINS", id)
	}
	for _, m := range c.Modules {
		p := pkg("base-module-"+m.Path, m.Path, m.Version, "https://proxy.golang.org/"+m.Path+"/@v/"+m.Version+".zip")
		p.PrimaryPackagePurpose = "LIBRARY"
		p.PackageExternalReferences = []*spdx.PackageExternalReference{purl("pkg:golang/" + m.Path + "@" + m.Version)}
		doc.Packages = append(doc.Packages, p)
		// Not base GENERATED_FROM module: syft (and so grype) drops every
		// package that is the target of a GENERATED_FROM.
		rel(string(p.PackageSPDXIdentifier), "GENERATES", "Package-base")
	}
	for _, dp := range c.Packages {
		p := pkg("deb-"+dp.Name+"-"+dp.Architecture, dp.Name, dp.Version, noAssertion)
		p.PrimaryPackagePurpose = "OPERATING-SYSTEM"
		p.PackageExternalReferences = []*spdx.PackageExternalReference{purl(fmt.Sprintf("pkg:deb/debian/%s@%s?arch=%s", dp.Name, dp.Version, dp.Architecture))}
		doc.Packages = append(doc.Packages, p)
		rel("Package-base", "CONTAINS", string(p.PackageSPDXIdentifier))
	}
}

// pkg is a package whose licensing this SBOM makes no claim about.
func pkg(id, name, version, download string) *spdx.Package {
	return &spdx.Package{
		PackageName:               name,
		PackageSPDXIdentifier:     common.ElementID("Package-" + spdxID(id)),
		PackageVersion:            version,
		PackageDownloadLocation:   download,
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    noAssertion,
		PackageCopyrightText:      noAssertion,
	}
}

// spdxID keeps what SPDX allows in an identifier: letters, digits, '.', '-'.
func spdxID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

func purl(locator string) *spdx.PackageExternalReference {
	return &spdx.PackageExternalReference{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: locator}
}

// JSON is the document as SPDX JSON, indented, the same bytes for the
// same document.
func JSON(doc *spdx.Document) ([]byte, error) {
	var buf bytes.Buffer
	if err := spdxjson.Write(doc, &buf, spdxjson.Indent("  ")); err != nil {
		return nil, fmt.Errorf("writing the SBOM: %w", err)
	}
	return buf.Bytes(), nil
}
