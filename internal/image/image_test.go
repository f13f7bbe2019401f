package image

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

var (
	amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	meta  = Metadata{Title: "devops-info-service", Description: "DevOps course info service", Version: "1.2.3",
		Revision: "0123456789abcdef0123456789abcdef01234567", Source: "https://example.com/x", Licenses: "NOASSERTION",
		Created: time.Unix(1700000000, 0).UTC()}
)

// fakeBinaries writes a small stand-in executable per platform.
func fakeBinaries(t *testing.T, ps ...v1.Platform) []binary.Artifact {
	t.Helper()
	var out []binary.Artifact
	for _, p := range ps {
		path := filepath.Join(t.TempDir(), "devops-info-service")
		data := []byte("#!binary for " + p.String() + strings.Repeat(" padding", 1000))
		if err := os.WriteFile(path, data, 0o755); err != nil {
			t.Fatal(err)
		}
		out = append(out, binary.Artifact{Platform: p, Path: path, SHA256: sha256Hex(data), Size: int64(len(data))})
	}
	return out
}

func resolve(t *testing.T, nameArg string, opts ...base.Option) *base.Base {
	t.Helper()
	b, err := base.Resolve(t.Context(), nameArg, layer.Gzip, append([]base.Option{base.WithCacheDir(filepath.Join(t.TempDir(), "cache"))}, opts...)...)
	if err != nil {
		t.Fatalf("base.Resolve(%q): %v", nameArg, err)
	}
	return b
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func outputs(dir string) ocilayout.Outputs {
	return ocilayout.Outputs{Layout: filepath.Join(dir, "oci"), RefName: "1.2.3", Tarball: filepath.Join(dir, "image.tar"),
		TarballTags: []string{"example.com/svc:1.2.3"}, TarballPlatform: v1.Platform{OS: "linux", Architecture: "amd64"}}
}

// Two builds from the same inputs, in different places, give one digest.
func TestBuildIsDeterministic(t *testing.T) {
	bins := fakeBinaries(t, amd64, arm64)
	var digests []v1.Hash
	for range 2 {
		d, reused, err := build(t.Context(), resolve(t, "static"), bins, meta, outputs(t.TempDir()), io.Discard, nil)
		if err != nil || reused {
			t.Fatalf("Build() = %v, reused %v", err, reused)
		}
		digests = append(digests, d)
	}
	if digests[0] != digests[1] {
		t.Errorf("two builds gave %s and %s", digests[0], digests[1])
	}
}

// The layout reads back as the image the issue describes.
func TestLayoutContent(t *testing.T) {
	dir := t.TempDir()
	bins := fakeBinaries(t, amd64, arm64)
	digest, _, err := build(t.Context(), resolve(t, "static"), bins, meta, outputs(dir), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	idx, desc, err := ocilayout.Read(filepath.Join(dir, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest != digest || desc.Annotations[ocispec.AnnotationRefName] != "1.2.3" {
		t.Errorf("layout index.json entry = %v %v, want digest %s named 1.2.3", desc.Digest, desc.Annotations, digest)
	}
	if err := validate.Index(idx); err != nil {
		t.Errorf("validate.Index: %v", err)
	}
	ia, _ := idx.IndexManifest()
	wantAnn := meta.Annotations(nil)
	if diff := cmp.Diff(wantAnn, ia.Annotations); diff != "" {
		t.Errorf("index annotations (-want +got):\n%s", diff)
	}
	for _, bin := range bins {
		img, err := platform.Image(idx, bin.Platform)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := img.Manifest()
		if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
			t.Errorf("%s: manifest %s with config %s, want OCI", bin.Platform, m.MediaType, m.Config.MediaType)
		}
		if diff := cmp.Diff(wantAnn, m.Annotations); diff != "" {
			t.Errorf("%s: manifest annotations (-want +got):\n%s", bin.Platform, diff)
		}
		cf, _ := img.ConfigFile()
		want := v1.Config{
			Entrypoint: []string{"/app/devops-info-service"}, WorkingDir: "/app", User: "65532:65532",
			ExposedPorts: map[string]struct{}{"8000/tcp": {}},
			Env:          []string{"PATH=" + base.DefaultPath, "PORT=8000", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
			Labels:       wantAnn,
			Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "/app/devops-info-service", "healthcheck"}, Interval: 30 * time.Second, Timeout: 5 * time.Second, StartPeriod: 5 * time.Second, Retries: 3},
		}
		if diff := cmp.Diff(want, cf.Config); diff != "" {
			t.Errorf("%s: config (-want +got):\n%s", bin.Platform, diff)
		}
		if cf.Architecture != bin.Platform.Architecture || cf.OS != "linux" || !cf.Created.Time.Equal(meta.Created) {
			t.Errorf("%s: config platform %s/%s created %v", bin.Platform, cf.OS, cf.Architecture, cf.Created)
		}
		if len(cf.History) != 2 || !strings.Contains(cf.History[0].CreatedBy, "static base") || !strings.Contains(cf.History[1].CreatedBy, "/app/devops-info-service") {
			t.Errorf("%s: history = %+v, want the static base then the binary", bin.Platform, cf.History)
		}
		layers, _ := img.Layers()
		if len(layers) != 2 {
			t.Fatalf("%s: %d layers, want 2", bin.Platform, len(layers))
		}
		data, _ := os.ReadFile(bin.Path)
		wantApp := []tarEntry{
			{"app/", tar.TypeDir, 0o755, 0, 0, ""},
			{"app/devops-info-service", tar.TypeReg, 0o755, 0, 0, string(data)},
		}
		if diff := cmp.Diff(wantApp, readLayer(t, layers[1]), cmp.AllowUnexported(tarEntry{})); diff != "" {
			t.Errorf("%s: app layer (-want +got):\n%s", bin.Platform, diff)
		}
		baseFiles := readLayer(t, layers[0])
		var names []string
		for _, e := range baseFiles {
			names = append(names, e.name)
			switch e.name {
			case "tmp/":
				if e.mode != 0o1777 {
					t.Errorf("/tmp mode %o, want 1777", e.mode)
				}
			case "home/nonroot/":
				if e.uid != 65532 || e.gid != 65532 {
					t.Errorf("/home/nonroot owned by %d:%d, want 65532:65532", e.uid, e.gid)
				}
			case "etc/passwd":
				for _, u := range []string{"root:x:0:0:", "nonroot:x:65532:65532:", "nobody:x:65534:65534:"} {
					if !strings.Contains(e.data, u) {
						t.Errorf("/etc/passwd lacks %q", u)
					}
				}
			case "etc/ssl/certs/ca-certificates.crt":
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM([]byte(e.data)) || strings.Count(e.data, "BEGIN CERTIFICATE") < 100 {
					t.Errorf("CA bundle holds %d certificates, want over 100 parseable ones", strings.Count(e.data, "BEGIN CERTIFICATE"))
				}
			}
		}
		wantNames := []string{"etc/", "etc/group", "etc/nsswitch.conf", "etc/passwd", "etc/ssl/", "etc/ssl/certs/",
			"etc/ssl/certs/ca-certificates.crt", "home/", "home/nonroot/", "root/", "tmp/"}
		if diff := cmp.Diff(wantNames, names); diff != "" {
			t.Errorf("static base files (-want +got):\n%s", diff)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "image.tar")); err != nil {
		t.Errorf("docker tarball: %v", err)
	}
}

type tarEntry struct {
	name     string
	typ      byte
	mode     int64
	uid, gid int
	data     string
}

func readLayer(t *testing.T, l v1.Layer) []tarEntry {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var out []tarEntry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out = append(out, tarEntry{h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, string(data)})
	}
}

func TestReuse(t *testing.T) {
	dir := t.TempDir()
	bins := fakeBinaries(t, amd64)
	b := resolve(t, "scratch")
	first, _, err := build(t.Context(), b, bins, meta, outputs(dir), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	second, reused, err := build(t.Context(), b, bins, meta, outputs(dir), &log, nil)
	if err != nil || !reused || second != first || !strings.Contains(log.String(), "image unchanged") {
		t.Errorf("second Build() = %s, reused %v, %v; want the first result reused", second, reused, err)
	}
	changed := meta
	changed.Revision = "fedcba"
	if _, reused, _ := build(t.Context(), b, bins, changed, outputs(dir), io.Discard, nil); reused {
		t.Errorf("Build() with a new revision reused the old image")
	}
	// A damaged layout is rebuilt, not trusted.
	idx, _, err := ocilayout.Read(filepath.Join(dir, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	img, _ := platform.Image(idx, amd64)
	layers, _ := img.Layers()
	h, _ := layers[len(layers)-1].Digest()
	if err := os.Remove(filepath.Join(dir, "oci", "blobs", h.Algorithm, h.Hex)); err != nil {
		t.Fatal(err)
	}
	if _, reused, err := build(t.Context(), b, bins, changed, outputs(dir), io.Discard, nil); reused || err != nil {
		t.Errorf("Build() over a damaged layout: reused %v, %v; want a rebuild", reused, err)
	}
}

// A base with only amd64 cannot make an arm64 image: a clear error, and
// the outputs stay as they were.
func TestBaseMissingPlatform(t *testing.T) {
	dir := t.TempDir()
	img, err := resolve(t, "scratch").Image(v1.Platform{OS: "linux", Architecture: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := layout.Write(filepath.Join(dir, "base"), empty.Index)
	p.AppendImage(img, layout.WithAnnotations(map[string]string{ocispec.AnnotationRefName: "only-amd64"}))
	b := resolve(t, "oci:"+filepath.Join(dir, "base")+":only-amd64")
	out := outputs(dir)
	_, _, err = build(t.Context(), b, fakeBinaries(t, amd64, arm64), meta, out, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "has no linux/arm64/v8 image (it has: linux/amd64)") {
		t.Errorf("Build(arm64 on amd64-only base) = %v, want a missing-platform error", err)
	}
	if _, err := os.Stat(out.Layout); !os.IsNotExist(err) {
		t.Errorf("failed build left %s behind", out.Layout)
	}
}

// A registry base is pulled, cached, and used again when the registry is gone.
func TestRegistryBaseCachedForOffline(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	ref := strings.TrimPrefix(srv.URL, "http://") + "/base:v1"
	pushIndexBase(t, ref)
	cacheDir := filepath.Join(t.TempDir(), "cache")
	bins := fakeBinaries(t, amd64, arm64)

	online, err := base.Resolve(t.Context(), ref, layer.Gzip, base.WithCacheDir(cacheDir))
	if err != nil {
		t.Fatal(err)
	}
	idx1, err := Assemble(t.Context(), online, bins, meta)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()

	var log strings.Builder
	offline, err := base.Resolve(t.Context(), ref, layer.Gzip, base.WithCacheDir(cacheDir), base.WithLog(&log), base.WithPullTimeout(5*time.Second))
	if err != nil {
		t.Fatalf("base.Resolve(offline): %v", err)
	}
	if !strings.Contains(log.String(), "using the cached copy") {
		t.Errorf("offline resolve said %q, want a note that the cache was used", log.String())
	}
	idx2, err := Assemble(t.Context(), offline, bins, meta)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := idx1.Digest()
	d2, _ := idx2.Digest()
	if d1 != d2 {
		t.Errorf("offline build %s differs from online build %s", d2, d1)
	}
	img, _ := platform.Image(idx2, arm64)
	cf, _ := img.ConfigFile()
	if cf.Config.Labels["leak"] != "" || cf.Config.Labels["org.opencontainers.image.base.name"] != ref ||
		cf.Config.Labels["org.opencontainers.image.base.digest"] != online.Digest || online.Digest == "" {
		t.Errorf("labels = %v, want base.name %s and base.digest %s, and no label of the base's", cf.Config.Labels, ref, online.Digest)
	}
	if err := validate.Index(idx2); err != nil {
		t.Errorf("validate.Index: %v", err)
	}
	// Without a cache, an unreachable registry is a clear error.
	if _, err := base.Resolve(t.Context(), ref, layer.Gzip, base.WithCacheDir(filepath.Join(t.TempDir(), "empty")), base.WithPullTimeout(5*time.Second)); err == nil ||
		!strings.Contains(err.Error(), "pulling base "+ref) || !strings.Contains(err.Error(), "no cached copy") {
		t.Errorf("base.Resolve(unreachable, no cache) = %v, want a pulling error naming the cache", err)
	}
}

// labelledBase is the static base for p with labels of its own.
func labelledBase(t *testing.T, p v1.Platform, labels map[string]string) v1.Image {
	t.Helper()
	img, err := resolve(t, "static").Image(p)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.Config.Labels = labels
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// pushIndexBase pushes a two-platform base with a label that must not leak.
func pushIndexBase(t *testing.T, ref string) {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range []v1.Platform{amd64, arm64} {
		pl := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: labelledBase(t, p, map[string]string{"leak": "yes"}), Descriptor: v1.Descriptor{Platform: &pl}})
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
}

func TestZstdLayers(t *testing.T) {
	b, err := base.Resolve(t.Context(), "static", layer.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := Assemble(t.Context(), b, fakeBinaries(t, amd64), meta)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := platform.Image(idx, amd64)
	layers, _ := img.Layers()
	for _, l := range layers {
		if mt, _ := l.MediaType(); mt != types.OCILayerZStd {
			t.Errorf("layer media type %s, want %s", mt, types.OCILayerZStd)
		}
	}
	if entries := readLayer(t, layers[1]); len(entries) != 2 {
		t.Errorf("zstd app layer reads back as %d entries, want 2", len(entries))
	}
	// validate reads layers as gzip, so only the structure is validated here;
	// readLayer above read the zstd content back.
	if err := validate.Index(idx, validate.Fast); err != nil {
		t.Errorf("validate.Index: %v", err)
	}
	if _, err := layer.ParseCompression("brotli"); err == nil {
		t.Errorf("layer.ParseCompression(brotli) = nil error")
	}
}

func TestReuseNoticesCompression(t *testing.T) {
	dir := t.TempDir()
	bins := fakeBinaries(t, amd64)
	if _, _, err := build(t.Context(), resolve(t, "scratch"), bins, meta, outputs(dir), io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	zstdBase, err := base.Resolve(t.Context(), "scratch", layer.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	if _, reused, err := build(t.Context(), zstdBase, bins, meta, outputs(dir), io.Discard, nil); reused || err != nil {
		t.Errorf("Build() after a compression change: reused %v, %v; want a rebuild", reused, err)
	}
}

// Verify finds every kind of damage, and a damaged layout is not reused.
func TestVerify(t *testing.T) {
	bins := fakeBinaries(t, amd64)
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string, img v1.Image)
	}{
		{"layer truncated", func(t *testing.T, dir string, img v1.Image) {
			layers, _ := img.Layers()
			h, _ := layers[len(layers)-1].Digest()
			p := filepath.Join(dir, "blobs", h.Algorithm, h.Hex)
			fi, _ := os.Stat(p)
			os.Truncate(p, fi.Size()/2)
		}},
		{"layer edited", func(t *testing.T, dir string, img v1.Image) {
			layers, _ := img.Layers()
			h, _ := layers[len(layers)-1].Digest()
			f, _ := os.OpenFile(filepath.Join(dir, "blobs", h.Algorithm, h.Hex), os.O_RDWR, 0)
			f.WriteAt([]byte("evil"), 100)
			f.Close()
		}},
		{"config edited", func(t *testing.T, dir string, img v1.Image) {
			h, _ := img.ConfigName()
			p := filepath.Join(dir, "blobs", h.Algorithm, h.Hex)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(data, []byte("65532"), []byte("00000"), 1), 0o644)
		}},
		{"config gone", func(t *testing.T, dir string, img v1.Image) {
			h, _ := img.ConfigName()
			os.Remove(filepath.Join(dir, "blobs", h.Algorithm, h.Hex))
		}},
		{"index.json garbage", func(t *testing.T, dir string, img v1.Image) {
			os.WriteFile(filepath.Join(dir, "index.json"), []byte("{"), 0o644)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out := outputs(dir)
			if _, _, err := build(t.Context(), resolve(t, "static"), bins, meta, out, io.Discard, nil); err != nil {
				t.Fatal(err)
			}
			if err := ocilayout.Verify(out.Layout); err != nil {
				t.Fatalf("ocilayout.Verify(fresh layout) = %v", err)
			}
			idx, _, _ := ocilayout.Read(out.Layout)
			img, _ := platform.Image(idx, amd64)
			tt.damage(t, out.Layout, img)
			if err := ocilayout.Verify(out.Layout); err == nil || !strings.Contains(err.Error(), "is damaged") {
				t.Errorf("ocilayout.Verify(%s) = %v, want a damage error", tt.name, err)
			}
			if _, _, ok := Reusable(resolve(t, "static"), bins, meta, out); ok {
				t.Errorf("a layout with %s is reusable", tt.name)
			}
		})
	}
}

func TestWriteOutputsAndStaleTarball(t *testing.T) {
	dir := t.TempDir()
	out := outputs(dir)
	bins := fakeBinaries(t, amd64)
	if _, _, err := build(t.Context(), resolve(t, "scratch"), bins, meta, out, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{out.Layout: 0o755 | os.ModeDir, out.Tarball: 0o644} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s mode %v, %v; want %v", path, fi.Mode(), err, want)
		}
	}
	noTar := out
	noTar.TarballTags = nil
	if _, reused, err := build(t.Context(), resolve(t, "scratch"), bins, meta, noTar, io.Discard, nil); err != nil || reused {
		t.Fatalf("Build(no tarball) = reused %v, %v; want a rebuild that drops the tarball", reused, err)
	}
	if _, err := os.Stat(out.Tarball); !os.IsNotExist(err) {
		t.Errorf("stale %s kept when no tarball was asked for", out.Tarball)
	}
}

func TestBaseCheck(t *testing.T) {
	dir := t.TempDir()
	img, _ := resolve(t, "scratch").Image(v1.Platform{OS: "linux", Architecture: "amd64"})
	p, _ := layout.Write(filepath.Join(dir, "base"), empty.Index)
	p.AppendImage(img)
	b := resolve(t, "oci:"+filepath.Join(dir, "base"))
	if err := b.Check([]v1.Platform{amd64}); err != nil {
		t.Errorf("Check(amd64) = %v", err)
	}
	if err := b.Check([]v1.Platform{amd64, arm64}); err == nil || !strings.Contains(err.Error(), "no linux/arm64/v8 image") {
		t.Errorf("Check(arm64) = %v, want a missing-platform error", err)
	}
}

// Attachments land in the layout as artifacts whose subject is their
// platform's manifest, read back whole, and leave the image as it was.
func TestAttachments(t *testing.T) {
	dir := t.TempDir()
	out := outputs(dir)
	bins := fakeBinaries(t, amd64, arm64)
	attachFn := func(p v1.Platform, m v1.Descriptor) (ocilayout.Attachment, error) {
		return ocilayout.Attachment{Subject: m, ArtifactType: "application/spdx+json", Data: []byte(`{"platform":"` + p.Architecture + `"}`)}, nil
	}
	d, _, err := build(t.Context(), resolve(t, "static"), bins, meta, out, io.Discard, attachFn)
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := build(t.Context(), resolve(t, "static"), bins, meta, outputs(t.TempDir()), io.Discard, nil)
	if err != nil || plain != d {
		t.Errorf("index digest with attachments %s, without %s (%v); want the same", d, plain, err)
	}
	if err := ocilayout.Verify(out.Layout); err != nil {
		t.Errorf("ocilayout.Verify() = %v", err)
	}
	idx, _, err := ocilayout.Read(out.Layout)
	if err != nil {
		t.Fatal(err)
	}
	if e, err := ocilayout.Find(out.Layout); err != nil || e.Digest != d {
		t.Errorf("ocilayout.Find() = %v, %v; want the index, not an attachment", e.Digest, err)
	}
	arts, err := ocilayout.Artifacts(out.Layout)
	if err != nil || len(arts) != 2 {
		t.Fatalf("ocilayout.Artifacts() = %d, %v; want 2", len(arts), err)
	}
	im, _ := idx.IndexManifest()
	for i, a := range arts {
		subject, err := a.Subject()
		if err != nil || subject != im.Manifests[i].Digest {
			t.Errorf("artifact %d subject = %s, %v; want %s", i, subject, err, im.Manifests[i].Digest)
		}
		if a.Descriptor.ArtifactType != "application/spdx+json" || len(a.Blobs) != 3 {
			t.Errorf("artifact %d = %s with %d blobs, want an SPDX artifact with config, document and manifest", i, a.Descriptor.ArtifactType, len(a.Blobs))
		}
	}
	broken := func(v1.Platform, v1.Descriptor) (ocilayout.Attachment, error) {
		return ocilayout.Attachment{}, fmt.Errorf("no SBOM today")
	}
	if _, _, err := build(t.Context(), resolve(t, "static"), bins, meta, outputs(t.TempDir()), io.Discard, broken); err == nil || !strings.Contains(err.Error(), "no SBOM today") {
		t.Errorf("Build(failing attach) = %v, want its error", err)
	}
	if _, err := (ocilayout.Artifact{Manifest: []byte(`{}`)}).Subject(); err == nil {
		t.Errorf("Subject() of an artifact without one = nil error")
	}
}
