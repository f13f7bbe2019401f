package sbom_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"

	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
	"github.com/lehus1/devops-info-service-go/internal/testdist"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// syftPackage is what syft's JSON says of a package.
type syftPackage struct {
	Name, Version, PURL string
	CPEs                []struct{ CPE string }
}

// syft runs the syft CLI with nowhere to go but this machine, and returns
// the packages of its JSON output.
func syft(t *testing.T, args ...string) []syftPackage {
	t.Helper()
	bin := testenv.MustHaveExec(t, "syft", testenv.InstallSyft)
	home := t.TempDir()
	cmd := exec.CommandContext(t.Context(), bin, append(args, "-o", "syft-json", "-q")...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+home, "SYFT_CHECK_FOR_APP_UPDATE=false",
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("syft %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var doc struct{ Artifacts []syftPackage }
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("reading syft's output: %v", err)
	}
	return doc.Artifacts
}

// builtImage is the service as build makes it, for this machine (testdist,
// built once per suite): its docker-archive tarball and its SBOM.
func builtImage(t *testing.T) (tarball, sbomFile string) {
	t.Helper()
	cfg := testdist.Build(t, "../..").Settings
	return cfg.Outputs().Tarball, sbom.Path(cfg.SBOMDir(), platform.Local())
}

// What a scanner sees: syft reads the service's version from the image's
// binary, and the standard library by the name and CPE grype matches; and
// it reads every package of our SBOM but the image itself (the document's
// subject, which syft takes as the scanned source).
func TestSyftReadsImageAndSBOM(t *testing.T) {
	testenv.MustHaveExec(t, "syft", testenv.InstallSyft)
	if testing.Short() {
		t.Skip("builds the service; skipped with -short")
	}
	tarball, sbomFile := builtImage(t)
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	t.Run("image", func(t *testing.T) {
		got := syft(t, "scan", "docker-archive:"+tarball)
		find := func(name string) *syftPackage {
			for i := range got {
				if got[i].Name == name {
					return &got[i]
				}
			}
			t.Fatalf("syft scan found no package %s in %v", name, got)
			return nil
		}
		if p := find("github.com/lehus1/devops-info-service-go"); p.Version != "v"+testdist.Version || p.PURL != "pkg:golang/github.com/lehus1/devops-info-service-go@v"+testdist.Version {
			t.Errorf("syft scan: the service is %s %s, want v%s and its purl", p.Version, p.PURL, testdist.Version)
		}
		if p := find("stdlib"); p.PURL != "pkg:golang/stdlib@"+goVersion {
			t.Errorf("syft scan: stdlib purl %s, want pkg:golang/stdlib@%s", p.PURL, goVersion)
		}
	})
	t.Run("SBOM", func(t *testing.T) {
		data, err := os.ReadFile(sbomFile)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := spdxjson.Read(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		var stdlib *syftPackage
		pkgs := syft(t, "convert", sbomFile)
		for i, p := range pkgs {
			got = append(got, p.Name+"@"+p.Version)
			if p.Name == "stdlib" {
				stdlib = &pkgs[i]
			}
		}
		for _, p := range doc.Packages[1:] { // [0] is the image: the source
			if !slices.Contains(got, p.PackageName+"@"+p.PackageVersion) {
				t.Errorf("syft convert dropped %s@%s; it kept %v", p.PackageName, p.PackageVersion, got)
			}
		}
		if len(got) != len(doc.Packages)-1 {
			t.Errorf("syft convert read %d packages, want %d (every package but the image)", len(got), len(doc.Packages)-1)
		}
		wantCPE := "cpe:2.3:a:golang:go:" + goVersion + ":*:*:*:*:*:*:*"
		if stdlib == nil || stdlib.PURL != "pkg:golang/stdlib@"+goVersion || len(stdlib.CPEs) != 1 || stdlib.CPEs[0].CPE != wantCPE {
			t.Errorf("syft convert: stdlib = %+v, want purl pkg:golang/stdlib@%s and CPE %s", stdlib, goVersion, wantCPE)
		}
	})
}
