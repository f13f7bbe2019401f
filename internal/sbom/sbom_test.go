package sbom

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	spdxjson "github.com/spdx/tools-golang/json"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/spdxlib"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// withDeps builds a small program that compiles in a module, offline from
// the module cache, so that the SBOM has something to list.
func withDeps(t *testing.T) binary.Artifact {
	t.Helper()
	testenv.SkipIfShort(t, "builds a program")
	dir := t.TempDir()
	root, _ := filepath.Abs("../..")
	modVersion := strings.TrimSpace(run(t, root, "go", "list", "-m", "-f", "{{.Version}}", "golang.org/x/mod"))
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/withdeps\n\ngo 1.26\n\nrequire golang.org/x/mod "+modVersion+"\n"), 0o644)
	// Both of the module's go.sum lines, its tree's and its go.mod's: an
	// empty module cache can only check the module against both.
	sum := run(t, root, "grep", "-E", "^golang.org/x/mod "+modVersion+"(/go.mod)? ", filepath.Join(root, "go.sum"))
	os.WriteFile(filepath.Join(dir, "go.sum"), []byte(sum), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"golang.org/x/mod/semver\"\n\nfunc main() { println(semver.IsValid(\"v1.0.0\")) }\n"), 0o644)
	out := filepath.Join(dir, "withdeps")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = dir
	// Nothing may leave the machine: no proxy, no checksum database.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the test program: %v\n%s", err, b)
	}
	data, _ := os.ReadFile(out)
	return binary.Artifact{Platform: v1.Platform{OS: "linux", Architecture: "amd64"}, Path: out, SHA256: sha(data), Size: int64(len(data))}
}

// validDocument is Document(in), which must succeed and be valid SPDX.
func validDocument(t *testing.T, in Input) *spdx.Document {
	t.Helper()
	doc, err := Document(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		t.Errorf("Document() is not valid SPDX: %v", err)
	}
	return doc
}

func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var staticContents = func() base.Contents {
	b, _ := base.Resolve(context.Background(), "static", layer.Gzip)
	c, _ := b.Contents(v1.Platform{OS: "linux", Architecture: "amd64"})
	return c
}()

func input(bin binary.Artifact) Input {
	return Input{Binary: bin, Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Source: "https://example.com/svc",
		Created: time.Unix(1700000000, 0), Base: staticContents, Platform: "linux/amd64"}
}

// The SBOM lists exactly the modules that `go version -m` finds in the binary.
func TestModulesAreExactlyTheBinarys(t *testing.T) {
	bin := withDeps(t)
	doc := validDocument(t, input(bin))
	var want []string
	for _, line := range strings.Split(run(t, ".", "go", "version", "-m", bin.Path), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "dep" {
			want = append(want, f[1]+"@"+f[2])
		}
	}
	var got []string
	for _, p := range doc.Packages {
		if strings.HasPrefix(string(p.PackageSPDXIdentifier), "Package-module-") {
			got = append(got, p.PackageName+"@"+p.PackageVersion)
			if len(p.PackageChecksums) != 0 || !strings.HasPrefix(p.PackageComment, "go.sum hash: h1:") {
				t.Errorf("module %s: checksums %v, comment %q; want no checksum (h1 hashes a tree, not a file) and the h1 in the comment", p.PackageName, p.PackageChecksums, p.PackageComment)
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("the test program has no dependencies; the test proves nothing")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modules (-go version -m +SBOM):\n%s", diff)
	}
	bi, _ := buildinfo.ReadFile(bin.Path)
	for _, p := range doc.Packages {
		if p.PackageName == "stdlib" && "go"+p.PackageVersion != bi.GoVersion {
			t.Errorf("stdlib package version %q, binary built with %s", p.PackageVersion, bi.GoVersion)
		}
	}
}

// The document is valid SPDX 2.3, reads back, and is the same bytes twice.
func TestDocumentIsValidAndDeterministic(t *testing.T) {
	bin := withDeps(t)
	var outs [][]byte
	for range 2 {
		b, err := JSON(validDocument(t, input(bin)))
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("two SBOMs of the same build differ")
	}
	back, err := spdxjson.Read(bytes.NewReader(outs[0]))
	if err != nil {
		t.Fatalf("reading the SBOM back: %v", err)
	}
	for _, want := range []string{`"spdxVersion": "SPDX-2.3"`, `"created": "2023-11-14T22:13:20Z"`, `"documentNamespace": "https://example.com/svc/spdx/1.2.3/linux-amd64/`,
		`pkg:golang/example.com/withdeps@v1.2.3`, `"fileName": "./etc/ssl/certs/ca-certificates.crt"`, `pkg:golang/golang.org/x/crypto/x509roots/fallback@`} {
		if !bytes.Contains(outs[0], []byte(want)) {
			t.Errorf("SBOM lacks %s", want)
		}
	}
	if back.DocumentName != "devops-info-service-1.2.3-linux-amd64" {
		t.Errorf("read back name %q", back.DocumentName)
	}
}

func TestBaseKinds(t *testing.T) {
	bin := withDeps(t)
	tests := []struct {
		name string
		base base.Contents
		want []string
		not  []string
	}{
		{"registry base with packages", base.Contents{Name: "gcr.io/distroless/static-debian12:nonroot", Digest: "sha256:" + strings.Repeat("ab", 32),
			Packages: []base.Package{{Name: "base-files", Version: "12.4+deb12u5", Architecture: "amd64"}}},
			[]string{"pkg:deb/debian/base-files@12.4+deb12u5?arch=amd64", "pkg:oci/static-debian12@sha256%3A" + strings.Repeat("ab", 32) + "?repository_url=gcr.io/distroless/static-debian12"},
			[]string{"ca-certificates.crt"}},
		{"scratch", base.Contents{Name: "scratch"}, nil, []string{"Package-base", "ca-certificates.crt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(bin)
			in.Base = tt.base
			b, _ := JSON(validDocument(t, in))
			testenv.Contains(t, "the SBOM", string(b), tt.want, tt.not)
		})
	}
}

func TestDocumentErrors(t *testing.T) {
	in := input(binary.Artifact{Path: filepath.Join(t.TempDir(), "missing")})
	if _, err := Document(in); err == nil || !strings.Contains(err.Error(), "reading the build information") {
		t.Errorf("Document(missing binary) = %v", err)
	}
}

func TestAttachWritesTheFile(t *testing.T) {
	bin := withDeps(t)
	b0, err := base.Resolve(t.Context(), "static", layer.Gzip)
	if err != nil {
		t.Fatal(err)
	}
	b := Build{Dir: filepath.Join(t.TempDir(), "sbom"), Binaries: []binary.Artifact{bin}, Base: b0, Version: "1.2.3", Commit: "abc", Created: time.Unix(0, 0)}
	m := bin.Platform
	subject := v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 10, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}}
	a, err := b.Attach(m, subject)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(Path(b.Dir, bin.Platform))
	if err != nil || !bytes.Equal(file, a.Data) || a.ArtifactType != MediaType || a.Subject.Digest != subject.Digest {
		t.Errorf("Attach() = %s with %d bytes; file %d bytes, %v", a.ArtifactType, len(a.Data), len(file), err)
	}
	// oras pull writes a layer only under its title: the file's own name.
	if want := platform.Dir(bin.Platform) + ".spdx.json"; a.Title != want {
		t.Errorf("Attach().Title = %q, want %q", a.Title, want)
	}
	if _, err := b.Attach(v1.Platform{OS: "linux", Architecture: "s390x"}, subject); err == nil {
		t.Errorf("Attach(a platform without a binary) = nil error")
	}
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	amd := v1.Platform{OS: "linux", Architecture: "amd64"}
	arm := v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	for _, p := range []v1.Platform{amd, arm} {
		os.WriteFile(Path(dir, p), []byte("{}"), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644)
	if err := Prune(dir, []v1.Platform{amd}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(Path(dir, arm)); !os.IsNotExist(err) {
		t.Errorf("the arm64 SBOM survived a build without arm64")
	}
	for _, keep := range []string{Path(dir, amd), filepath.Join(dir, "notes.txt")} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("Prune removed %s", keep)
		}
	}
}

// The SBOM says about the source what the image does, from the same
// setting: where the image has no source (a fork, a local remote), the SBOM
// names none either, and claims no one else's.
func TestSource(t *testing.T) {
	bin := withDeps(t)
	tests := []struct {
		source, download, namespace, sourceInfo string
	}{
		{"https://example.com/fork", "https://example.com/fork", "https://example.com/fork/spdx/1.2.3/linux-amd64/" + bin.SHA256,
			"built from commit 0123456789abcdef0123456789abcdef01234567 of https://example.com/fork"},
		{"", "NOASSERTION", "https://spdx.org/spdxdocs/devops-info-service-1.2.3-linux-amd64-" + bin.SHA256,
			"built from commit 0123456789abcdef0123456789abcdef01234567"},
	}
	for _, tt := range tests {
		t.Run(tt.download, func(t *testing.T) {
			in := input(bin)
			in.Source = tt.source
			doc := validDocument(t, in)
			if doc.DocumentNamespace != tt.namespace {
				t.Errorf("Document(source %q).DocumentNamespace = %q, want %q", tt.source, doc.DocumentNamespace, tt.namespace)
			}
			for _, p := range doc.Packages[:2] { // the image and the service
				if p.PackageDownloadLocation != tt.download {
					t.Errorf("Document(source %q) package %s download location = %q, want %q", tt.source, p.PackageName, p.PackageDownloadLocation, tt.download)
				}
			}
			if got := doc.Packages[1].PackageSourceInfo; got != tt.sourceInfo {
				t.Errorf("Document(source %q) source info = %q, want %q", tt.source, got, tt.sourceInfo)
			}
			data, err := JSON(doc)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte("github.com/lehus1")) {
				t.Errorf("Document(source %q) names github.com/lehus1, which the image does not", tt.source)
			}
		})
	}
}

// The standard library is named as syft names it, with the CPE grype
// matches Go's own vulnerabilities by; and no package is the target of a
// GENERATED_FROM, which syft (and so grype) skips.
func TestScannerConventions(t *testing.T) {
	bin := withDeps(t)
	doc := validDocument(t, input(bin))
	bi, _ := buildinfo.ReadFile(bin.Path)
	v := strings.TrimPrefix(bi.GoVersion, "go")
	var refs []string
	for _, p := range doc.Packages {
		if p.PackageName == "stdlib" {
			for _, r := range p.PackageExternalReferences {
				refs = append(refs, r.Category+" "+r.RefType+" "+r.Locator)
			}
		}
		if p.PackageName == "go" {
			t.Errorf("Document() has a package named go, want stdlib")
		}
	}
	want := []string{"PACKAGE-MANAGER purl pkg:golang/stdlib@" + v, "SECURITY cpe23Type cpe:2.3:a:golang:go:" + v + ":*:*:*:*:*:*:*"}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Errorf("Document() stdlib references (-want +got):\n%s", diff)
	}
	for _, r := range doc.Relationships {
		if r.Relationship == "GENERATED_FROM" {
			t.Errorf("Document() has %s GENERATED_FROM %s: syft drops the latter", r.RefA.ElementRefID, r.RefB.ElementRefID)
		}
	}
}
