package image

import (
	"archive/tar"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	"github.com/lehus1/devops-info-service-go/internal/testenv"
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

// Two images from the same inputs, on bases resolved apart, have one
// digest.
func TestAssembleIsDeterministic(t *testing.T) {
	t.Parallel()
	bins := fakeBinaries(t, amd64, arm64)
	var digests []v1.Hash
	for range 2 {
		idx, err := Assemble(t.Context(), resolve(t, "static"), bins, meta)
		if err != nil {
			t.Fatalf("Assemble() = %v", err)
		}
		d, _ := idx.Digest()
		digests = append(digests, d)
	}
	if digests[0] != digests[1] {
		t.Errorf("two builds gave %s and %s", digests[0], digests[1])
	}
}

// The image is the one the issue describes: its annotations, config,
// history and layers.
func TestImageContent(t *testing.T) {
	t.Parallel()
	bins := fakeBinaries(t, amd64, arm64)
	idx, err := Assemble(t.Context(), resolve(t, "static"), bins, meta)
	if err != nil {
		t.Fatal(err)
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

// A registry base is pulled, cached, and used again when the registry is gone.
func TestRegistryBaseCachedForOffline(t *testing.T) {
	t.Parallel()
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
	return testenv.Configured(t, img, func(cf *v1.ConfigFile) { cf.Config.Labels = labels })
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
	t.Parallel()
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

func TestBaseCheck(t *testing.T) {
	t.Parallel()
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

// The fingerprint the reuse check compares changes with each input: the
// binaries, the base and its compression, the metadata, the outputs'
// names; outputs that hold no image are not reusable.
func TestReusableFingerprint(t *testing.T) {
	t.Parallel()
	bins, b := fakeBinaries(t, amd64), resolve(t, "scratch")
	out := ocilayout.Outputs{Layout: filepath.Join(t.TempDir(), "oci"), RefName: "1.2.3", TarballTags: []string{"example.com/svc:1.2.3"}, TarballPlatform: amd64}
	inputs := func(b *base.Base, bins []binary.Artifact, meta Metadata, out ocilayout.Outputs) string {
		t.Helper()
		in, d, ok := Reusable(b, bins, meta, out)
		if ok || d != (v1.Hash{}) {
			t.Errorf("Reusable(no image in %s) = %s, %v; want not reusable", out.Layout, d, ok)
		}
		return in
	}
	want := inputs(b, bins, meta, out)
	if again := inputs(resolve(t, "scratch"), bins, meta, out); again != want {
		t.Errorf("Reusable() twice = %s and %s, want one fingerprint", want, again)
	}
	zstd, err := base.Resolve(t.Context(), "scratch", layer.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	revision, otherBin, noTar := meta, fakeBinaries(t, arm64), out
	revision.Revision = "fedcba"
	noTar.TarballTags = nil
	changes := []struct {
		name string
		got  string
	}{
		{"a new revision", inputs(b, bins, revision, out)},
		{"another binary", inputs(b, otherBin, meta, out)},
		{"another base", inputs(resolve(t, "static"), bins, meta, out)},
		{"zstd", inputs(zstd, bins, meta, out)},
		{"no tarball", inputs(b, bins, meta, noTar)},
	}
	for _, c := range changes {
		if c.got == want {
			t.Errorf("Reusable(%s) fingerprint = %s, want it to differ from %s", c.name, c.got, want)
		}
	}
}
