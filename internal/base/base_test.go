package base

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

var amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}

func resolve(t *testing.T, nameArg string) *Base {
	t.Helper()
	b, err := Resolve(t.Context(), nameArg, layer.Gzip, WithCacheDir(filepath.Join(t.TempDir(), "cache")))
	if err != nil {
		t.Fatalf("Resolve(%q): %v", nameArg, err)
	}
	return b
}

// labelledBase is the static base for p with labels of its own.
func labelledBase(t *testing.T, p v1.Platform, labels map[string]string) v1.Image {
	t.Helper()
	l, err := staticLayer(layer.Gzip)
	if err != nil {
		t.Fatal(err)
	}
	img, err := staticBase(p, l)
	if err != nil {
		t.Fatal(err)
	}
	return testenv.Configured(t, img, func(cf *v1.ConfigFile) { cf.Config.Labels = labels })
}

func TestResolveBaseErrors(t *testing.T) {
	dir := t.TempDir()
	two, _ := layout.Write(filepath.Join(dir, "two"), empty.Index)
	for _, tag := range []string{"a", "b"} {
		img, _ := scratchBase(v1.Platform{OS: "linux", Architecture: "amd64"})
		two.AppendImage(img, layout.WithAnnotations(map[string]string{ocispec.AnnotationRefName: tag}))
	}
	tests := []struct{ base, want string }{
		{"Not A Reference!", "is not static, scratch, oci:DIR[:TAG] or an image reference"},
		{"oci:" + filepath.Join(dir, "missing"), "base: reading OCI layout"},
		{"oci:" + filepath.Join(dir, "two"), `2 images match ""`},
		{"oci:" + filepath.Join(dir, "two") + ":c", `0 images match "c"`},
		{"127.0.0.1:1/nothing:here", "pulling base 127.0.0.1:1/nothing:here"},
	}
	for _, tt := range tests {
		_, err := Resolve(t.Context(), tt.base, layer.Gzip, WithCacheDir(filepath.Join(dir, "cache")), WithPullTimeout(5*time.Second))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Resolve(%q) = %v, want %q", tt.base, err, tt.want)
		}
	}
}

func TestCABundleSkipsConstrainedRoots(t *testing.T) {
	data, n := caBundle()
	count := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			t.Errorf("bundle certificate %d: %v", count, err)
		}
		count++
	}
	if count != n || n < 100 {
		t.Errorf("caBundle() has %d PEM blocks, says %d; want the same, over 100", count, n)
	}
}

// A base's declared packages are read from dpkg's status files.
func TestContentsReadsDpkg(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range map[string]string{
		"var/lib/dpkg/status.d/base-files":         "Package: base-files\nVersion: 12.4\nArchitecture: amd64\nDescription: x\n continued: line\n",
		"var/lib/dpkg/status.d/base-files.md5sums": "abc  etc/x\n",
		"var/lib/dpkg/status":                      "Package: tzdata\nVersion: 2024a\nArchitecture: all\n\nPackage: netbase\nVersion: 6.4\nArchitecture: all\n",
	} {
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))})
		tw.Write([]byte(data))
	}
	tw.Close()
	l, _ := layer.New(buf.Bytes(), layer.Gzip, types.OCILayer)
	img, _ := mutate.AppendLayers(ociEmpty(), l)
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, _ = mutate.ConfigFile(img, cf)
	dir := t.TempDir()
	p, _ := layout.Write(filepath.Join(dir, "base"), empty.Index)
	p.AppendImage(img)
	b := resolve(t, "oci:"+filepath.Join(dir, "base"))
	c, err := b.Contents(amd64)
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{{"base-files", "12.4", "amd64"}, {"netbase", "6.4", "all"}, {"tzdata", "2024a", "all"}}
	if diff := cmp.Diff(want, c.Packages); diff != "" {
		t.Errorf("Contents().Packages (-want +got):\n%s", diff)
	}
	static, _ := resolve(t, "static").Contents(amd64)
	if len(static.Files) != 4 || len(static.Modules) != 1 {
		t.Errorf("static base contents = %d files, %d modules; want 4 and 1", len(static.Files), len(static.Modules))
	}
	if c, _ := resolve(t, "scratch").Contents(amd64); len(c.Files)+len(c.Packages) != 0 {
		t.Errorf("scratch contents = %+v, want nothing", c)
	}
}

// Check and Image find each platform of a base, or say which it lacks.
func TestCheckAndImage(t *testing.T) {
	arm64 := v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	for _, name := range []string{"static", "scratch"} {
		b := resolve(t, name)
		if err := b.Check([]v1.Platform{amd64, arm64}); err != nil {
			t.Errorf("%s: Check(amd64, arm64) = %v", name, err)
		}
		img, err := b.Image(arm64)
		if err != nil {
			t.Fatal(err)
		}
		if cf, _ := img.ConfigFile(); cf.Architecture != "arm64" || cf.Variant != "v8" {
			t.Errorf("%s: Image(arm64) config platform %s/%s, want arm64/v8", name, cf.Architecture, cf.Variant)
		}
		if b.Compression() != layer.Gzip {
			t.Errorf("%s: Compression() = %s, want gzip", name, b.Compression())
		}
	}
	// A single-image base serves its own platform only.
	dir := t.TempDir()
	img, _ := scratchBase(amd64)
	p, _ := layout.Write(filepath.Join(dir, "one"), empty.Index)
	p.AppendImage(img)
	b := resolve(t, "oci:"+filepath.Join(dir, "one"))
	if err := b.Check([]v1.Platform{amd64}); err != nil {
		t.Errorf("Check(amd64) of an amd64 image = %v", err)
	}
	if err := b.Check([]v1.Platform{arm64}); err == nil || !strings.Contains(err.Error(), "has no linux/arm64/v8 image (it has: linux/amd64)") {
		t.Errorf("Check(arm64) of an amd64 image = %v", err)
	}
	// An index base is looked up by platform.
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &amd64}})
	q, _ := layout.Write(filepath.Join(dir, "index"), empty.Index)
	q.AppendIndex(idx)
	b = resolve(t, "oci:"+filepath.Join(dir, "index"))
	if err := b.Check([]v1.Platform{amd64}); err != nil {
		t.Errorf("Check(amd64) of an amd64 index = %v", err)
	}
	if _, err := b.Image(arm64); err == nil || !strings.Contains(err.Error(), "has no linux/arm64/v8 image (it has: linux/amd64)") {
		t.Errorf("Image(arm64) of an amd64 index = %v", err)
	}
}
