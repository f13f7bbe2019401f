package sizes

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

type entry struct {
	name string
	typ  byte
	size int
}

// layerOf makes a layer of the entries; it returns the layer and its tar's length.
func layerOf(t testing.TB, entries ...entry) (v1.Layer, int64) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Size: int64(e.size)}); err != nil {
			t.Fatal(err)
		}
		tw.Write(bytes.Repeat([]byte("x"), e.size))
	}
	tw.Close()
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l, int64(len(data))
}

// knownImage has a file overwritten, one deleted and a folder made opaque
// by its second layer, and history for both layers.
func knownImage(t testing.TB, arch string) (v1.Image, []int64) {
	t.Helper()
	l1, n1 := layerOf(t, entry{"a", 0, 100}, entry{"b", 0, 200}, entry{"d/", tar.TypeDir, 0}, entry{"d/x", 0, 50}, entry{"keep", 0, 7})
	l2, n2 := layerOf(t, entry{"a", 0, 120}, entry{".wh.b", 0, 0}, entry{"d/.wh..wh..opq", 0, 0}, entry{"d/y", 0, 10})
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: l1, History: v1.History{CreatedBy: "/bin/sh -c #(nop) ADD rootfs.tar /"}},
		mutate.Addendum{History: v1.History{CreatedBy: "ENV X=1", EmptyLayer: true}},
		mutate.Addendum{Layer: l2, History: v1.History{CreatedBy: "RUN rewrite"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return testenv.Configured(t, img, func(cf *v1.ConfigFile) { cf.OS, cf.Architecture = "linux", arch }), []int64{n1, n2}
}

func ptr(n int64) *int64 { return &n }

func TestMeasureKnownImage(t *testing.T) {
	img, tarSizes := knownImage(t, "amd64")
	got, err := Measure(t.Context(), img, Full, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := img.Manifest()
	d, _ := img.Digest()
	want := Image{
		Digest:       d.String(),
		Compressed:   m.Config.Size + m.Layers[0].Size + m.Layers[1].Size,
		ConfigBytes:  ptr(m.Config.Size),
		Uncompressed: ptr(100 + 200 + 50 + 7 + 120 + 10), // the files' bytes
		TarBytes:     ptr(tarSizes[0] + tarSizes[1]),
		Wasted:       ptr(100 + 200 + 50), // a overwritten, b deleted, d/x under an opaque folder
		Layers: []Layer{
			{Digest: m.Layers[0].Digest.String(), Compressed: m.Layers[0].Size, Uncompressed: ptr(357), TarBytes: ptr(tarSizes[0]), Wasted: ptr(350), CreatedBy: "ADD rootfs.tar /"},
			{Digest: m.Layers[1].Digest.String(), Compressed: m.Layers[1].Size, Uncompressed: ptr(130), TarBytes: ptr(tarSizes[1]), Wasted: ptr(0), CreatedBy: "RUN rewrite"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Measure() (-want +got):\n%s", diff)
	}
	shallow, err := Measure(t.Context(), img, Manifests, nil)
	if err != nil || shallow.Compressed != want.Compressed || shallow.Uncompressed != nil || shallow.Wasted != nil {
		t.Errorf("Measure(Manifests) = %+v, %v; want compressed only", shallow, err)
	}
}

func TestWasteCases(t *testing.T) {
	tests := []struct {
		name   string
		layers [][]entry
		want   []int64
	}{
		{"nothing wasted", [][]entry{{{"a", 0, 5}}, {{"b", 0, 6}}}, []int64{0, 0}},
		{"overwritten twice", [][]entry{{{"a", 0, 5}}, {{"a", 0, 6}}, {{"a", 0, 7}}}, []int64{5, 6, 0}},
		{"folder deleted", [][]entry{{{"d/", tar.TypeDir, 0}, {"d/a", 0, 3}, {"d/e/b", 0, 4}, {"dd", 0, 9}}, {{".wh.d", 0, 0}}}, []int64{7, 0}},
		{"file replaces folder", [][]entry{{{"d/a", 0, 3}}, {{"d", tar.TypeSymlink, 0}}}, []int64{3, 0}},
		{"opaque keeps own layer", [][]entry{{{"d/a", 0, 3}}, {{"d/b", 0, 4}, {"d/.wh..wh..opq", 0, 0}}}, []int64{3, 0}},
		{"same layer twice", [][]entry{{{"a", 0, 5}, {"a", 0, 6}}}, []int64{5}},
		{"hard link keeps the bytes", [][]entry{{{"a", 0, 100}, {"b", tar.TypeLink, 0}}, {{".wh.a", 0, 0}}}, []int64{0, 0}},
		{"both names gone", [][]entry{{{"a", 0, 100}, {"b", tar.TypeLink, 0}}, {{".wh.a", 0, 0}, {".wh.b", 0, 0}}}, []int64{100, 0}},
		{"whiteout spares its own layer", [][]entry{{{"a", 0, 100}}, {{"a", 0, 7}, {".wh.a", 0, 0}}}, []int64{100, 0}},
	}
	for _, tt := range tests {
		w := newWasteTracker(len(tt.layers))
		for i, l := range tt.layers {
			for _, e := range l {
				typ := e.typ
				if typ == 0 {
					typ = tar.TypeReg
				}
				h := &tar.Header{Name: e.name, Typeflag: typ, Size: int64(e.size)}
				if typ == tar.TypeLink {
					h.Linkname = "a"
				}
				w.entry(i, h)
			}
		}
		if diff := cmp.Diff(tt.want, w.wasted); diff != "" {
			t.Errorf("%s: wasted by layer (-want +got):\n%s", tt.name, diff)
		}
	}
}

// The recorded baseline gives its published totals.
func TestRecordedBaseline(t *testing.T) {
	r, ok := Recorded("python:3.13-slim")
	if !ok {
		t.Fatal("Recorded(python:3.13-slim) not found")
	}
	for _, alias := range []string{"docker.io/library/python:3.13-slim", "docker://python:3.13-slim", "index.docker.io/library/python:3.13-slim"} {
		if _, ok := Recorded(alias); !ok {
			t.Errorf("Recorded(%q) not found", alias)
		}
	}
	for _, other := range []string{"python:3.12-slim", "Not Valid"} {
		if _, ok := Recorded(other); ok {
			t.Errorf("Recorded(%q) found", other)
		}
	}
	for platform, want := range map[string]int64{"linux/amd64": 42961458, "linux/arm64": 43237284} {
		p, _ := v1.ParsePlatform(platform)
		img, err := r.Image(*p)
		if err != nil {
			t.Fatal(err)
		}
		if img.Compressed != want || img.Origin != "recorded" || !strings.Contains(img.Note, "recorded") || !strings.Contains(img.Note, "sha256:9662417a") {
			t.Errorf("recorded %s: %d bytes, origin %s, note %q; want %d, recorded, naming the index digest", platform, img.Compressed, img.Origin, img.Note, want)
		}
	}
	amd, _ := r.Image(v1.Platform{OS: "linux", Architecture: "amd64"})
	if amd.Uncompressed == nil || *amd.Uncompressed != 126250000 || !amd.UncompressedApproximate {
		t.Errorf("recorded on-disk size = %v (approx %v), want ~126,250,000 marked approximate", amd.Uncompressed, amd.UncompressedApproximate)
	}
	if _, err := r.Image(v1.Platform{OS: "linux", Architecture: "s390x"}); err == nil || !strings.Contains(err.Error(), "has no linux/s390x figures") {
		t.Errorf("recorded s390x = %v, want a missing-platform error", err)
	}
}

// counter counts what a registry is asked for.
type counter struct {
	mu                 sync.Mutex
	manifests, blobGET int
	next               http.Handler
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	switch {
	case strings.Contains(r.URL.Path, "/manifests/"):
		c.manifests++
	case strings.Contains(r.URL.Path, "/blobs/") && r.Method == http.MethodGet:
		c.blobGET++
	}
	c.mu.Unlock()
	c.next.ServeHTTP(w, r)
}

func pushIndex(t *testing.T, ref string, imgs ...v1.Image) {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, img := range imgs {
		cf, _ := img.ConfigFile()
		p := v1.Platform{OS: cf.OS, Architecture: cf.Architecture}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	r, _ := name.ParseReference(ref)
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
}

func writeLayout(t testing.TB, imgs ...v1.Image) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oci")
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, img := range imgs {
		cf, _ := img.ConfigFile()
		p := v1.Platform{OS: cf.OS, Architecture: cf.Architecture}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	p, _ := layout.Write(dir, empty.Index)
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "1.0.0"})); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Against a registry, the compressed comparison reads manifests only.
func TestRegistryBaselineFetchesNoBlobs(t *testing.T) {
	c := &counter{next: registry.New(registry.Logger(log.New(io.Discard, "", 0)))}
	srv := httptest.NewServer(c)
	defer srv.Close()
	amd, _ := knownImage(t, "amd64")
	arm, _ := knownImage(t, "arm64")
	ref := strings.TrimPrefix(srv.URL, "http://") + "/python:slim"
	pushIndex(t, ref, amd, arm)
	small, _ := layerOf(t, entry{"app", 0, 10})
	goAmd, _ := mutate.AppendLayers(amd, small)
	dir := writeLayout(t, goAmd)

	c.mu.Lock()
	c.manifests, c.blobGET = 0, 0
	c.mu.Unlock()
	r, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: ref, Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}}, Depth: Manifests})
	if err != nil {
		t.Fatal(err)
	}
	if c.blobGET != 0 || c.manifests != 2 {
		t.Errorf("compressed comparison made %d manifest and %d blob requests; want 2 (index, linux/amd64) and none", c.manifests, c.blobGET)
	}
	got := r.Comparisons[0]
	if got.Baseline.Origin != "registry" || got.Image.Name != "oci:"+dir+":1.0.0" || got.CompressedRatio >= 1 || got.CompressedRatio <= 0 {
		t.Errorf("Compare() = %+v", got)
	}
	// Full depth streams the baseline's layers and measures its waste.
	full, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: ref, Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}}, Depth: Full})
	if err != nil {
		t.Fatal(err)
	}
	if b := full.Comparisons[0].Baseline; b.Wasted == nil || *b.Wasted != 350 || full.Comparisons[0].UncompressedRatio == nil {
		t.Errorf("full comparison baseline = %+v, want 350 wasted bytes and an on-disk ratio", b)
	}
}

func TestUnreachableBaselineFallsBack(t *testing.T) {
	img, _ := knownImage(t, "amd64")
	dir := writeLayout(t, img)
	var log strings.Builder
	// 127.0.0.1:1 refuses connections: the registry cannot be reached. The
	// recorded baseline is for python:3.13-slim only, so the test names that
	// image at an unreachable registry through a mirror setting.
	r, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: "python:3.13-slim", Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}}, Depth: Full}, WithLog(&log), via(unreachable{}))
	if err != nil {
		t.Fatal(err)
	}
	b := r.Comparisons[0].Baseline
	if b.Origin != "recorded" || b.Compressed != 42961458 {
		t.Errorf("fallback baseline = %s %d; want the recorded figures", b.Origin, b.Compressed)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "baseline python:3.13-slim: recorded figures, not measured: registry unreachable") {
		t.Errorf("Compare(unreachable).Warnings = %q, want the reason", r.Warnings)
	}
	// The warning is the report's to print (render's), not stderr's too.
	if strings.Contains(log.String(), "warning") {
		t.Errorf("Compare(unreachable) logged %q, want the warning in the report only", log.String())
	}
	// Strict: the baseline must be measured.
	if _, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: "python:3.13-slim", Strict: true, Depth: Full}, via(unreachable{})); err == nil || !strings.Contains(err.Error(), "BASELINE_STRICT") {
		t.Errorf("Compare(unreachable, strict) = %v, want an error naming BASELINE_STRICT", err)
	}
	// Any other unreachable baseline is an error.
	if _, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: "127.0.0.1:1/other:1", Depth: Full}); err == nil || !strings.Contains(err.Error(), "baseline: reaching 127.0.0.1:1") {
		t.Errorf("Compare(unreachable, no record) = %v, want a baseline error", err)
	}
}

type unreachable struct{}

func (unreachable) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ENETUNREACH}
}

func TestGate(t *testing.T) {
	r := Report{Comparisons: []Comparison{{Platform: "linux/amd64", Image: Image{Compressed: 21_300_000}, CompressedRatio: 2.0}}}
	tests := []struct {
		limits Limits
		want   []string
	}{
		{Limits{MaxCompressed: 20_000_000}, []string{"MAX_SIZE: the linux/amd64 image is 21.3 MB compressed, 1.3 MB (6.5%) over the limit of 20.0 MB"}},
		{Limits{MaxCompressed: 30_000_000, MinRatio: 10}, []string{"MIN_RATIO: the linux/amd64 image is 2.0 times smaller than the baseline compressed, 8.0 short of the 10.0 required"}},
		{Limits{MaxCompressed: 30_000_000, MinRatio: 2}, []string{}},
		{Limits{}, []string{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, r.Check(tt.limits)); diff != "" {
			t.Errorf("Check(%+v) (-want +got):\n%s", tt.limits, diff)
		}
	}
}

func TestBadInput(t *testing.T) {
	img, _ := knownImage(t, "amd64")
	dir := writeLayout(t, img)
	tests := []struct{ image, baseline, platform, want string }{
		{"Not A Ref!", "oci:" + dir, "", `"Not A Ref!" is not an image`},
		{"oci:" + dir, "docker://::bad", "", "baseline:"},
		{"oci:/nonexistent", "oci:" + dir, "", "image: no image in /nonexistent yet"},
		{"oci:" + dir + ":2.0.0", "oci:" + dir, "", `0 images match "2.0.0"`},
		{"docker-archive:/nonexistent.tar", "oci:" + dir, "", "reading docker archive /nonexistent.tar"},
		{"oci:" + dir, "oci:" + dir, "linux/arm64", "has no linux/arm64 image (it has: linux/amd64)"},
	}
	for _, tt := range tests {
		var ps []v1.Platform
		if p, err := v1.ParsePlatform(tt.platform); tt.platform != "" && err == nil {
			ps = []v1.Platform{*p}
		}
		if _, err := Compare(t.Context(), Request{Image: tt.image, Baseline: tt.baseline, Platforms: ps, Depth: Full}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compare(%q, %q, %q) = %v, want %q", tt.image, tt.baseline, tt.platform, err, tt.want)
		}
	}
}

func TestDockerArchive(t *testing.T) {
	img, _ := knownImage(t, "amd64")
	file := filepath.Join(t.TempDir(), "image.tar")
	tag, _ := name.NewTag("example.com/x:1")
	if err := tarball.WriteToFile(file, tag, img); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{"docker-archive:" + file, "docker-archive:" + file + ":example.com/x:1"} {
		r, err := Compare(t.Context(), Request{Image: spec, Baseline: spec, Depth: Full})
		if err != nil {
			t.Fatalf("Compare(%s): %v", spec, err)
		}
		if c := r.Comparisons[0]; c.Image.Origin != "docker-archive" || *c.Image.Wasted != 350 || c.CompressedRatio != 1 {
			t.Errorf("Compare(%s) = %+v", spec, c)
		}
	}
}

func TestOutputs(t *testing.T) {
	img, _ := knownImage(t, "amd64")
	dir := writeLayout(t, img)
	r, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: "oci:" + dir, Depth: Full})
	if err != nil {
		t.Fatal(err)
	}
	breaches := r.Check(Limits{MaxCompressed: 1})
	c := r.Comparisons[0]
	if r.Schema != 1 || c.CompressedRatio != 1 || c.Image.Wasted == nil || *c.Image.Wasted != 350 || r.Limits.MaxCompressed != 1 {
		t.Errorf("Compare(itself) = schema %d, ratio %v, wasted %v, limits %+v; want 1, 1, 350, max 1", r.Schema, c.CompressedRatio, c.Image.Wasted, r.Limits)
	}
	if len(breaches) != 1 || !strings.HasPrefix(breaches[0], "MAX_SIZE") || len(r.Breaches) != 1 {
		t.Errorf("Check(max 1 B) = %q, report breaches %q; want one MAX_SIZE breach in both", breaches, r.Breaches)
	}
	if got := c.Image.Layers[0].CreatedBy; got != "ADD rootfs.tar /" {
		t.Errorf("Compare() layer 1 made by %q, want the history's line without its /bin/sh prefix", got)
	}
}

func TestPlatformVariants(t *testing.T) {
	v6, _ := knownImage(t, "arm")
	v7, _ := knownImage(t, "arm")
	extra, _ := layerOf(t, entry{"v7only", 0, 1})
	v7, _ = mutate.AppendLayers(v7, extra)
	arm64, _ := knownImage(t, "arm64")
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, x := range []struct {
		img     v1.Image
		arch, v string
	}{{v6, "arm", "v6"}, {v7, "arm", "v7"}, {arm64, "arm64", "v8"}} {
		p := v1.Platform{OS: "linux", Architecture: x.arch, Variant: x.v}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: x.img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	dir := filepath.Join(t.TempDir(), "oci")
	lp, _ := layout.Write(dir, empty.Index)
	lp.AppendIndex(idx)
	r, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: "oci:" + dir, Depth: Full})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	digests := map[string]bool{}
	for _, c := range r.Comparisons {
		got = append(got, c.Platform)
		digests[c.Image.Digest] = true
	}
	if diff := cmp.Diff([]string{"linux/arm/v6", "linux/arm/v7", "linux/arm64"}, got); diff != "" || len(digests) != 3 {
		t.Errorf("platforms (-want +got):\n%s (distinct images: %d, want 3)", diff, len(digests))
	}
	if _, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: "oci:" + dir, Platforms: []v1.Platform{{OS: "linux", Architecture: "arm", Variant: "v7"}}, Depth: Full}); err != nil {
		t.Errorf("Compare(linux/arm/v7) = %v", err)
	}
}

// A docker save archive holds its layers uncompressed: its compressed
// sizes are estimates, and said to be.
func TestDockerSaveArchiveIsEstimated(t *testing.T) {
	img, _ := knownImage(t, "amd64")
	file := filepath.Join(t.TempDir(), "save.tar")
	f, _ := os.Create(file)
	tw := tar.NewWriter(f)
	add := func(name string, data []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	cfg, _ := img.RawConfigFile()
	add("config.json", cfg)
	layers, _ := img.Layers()
	var names []string
	for i, l := range layers {
		rc, _ := l.Uncompressed()
		data, _ := io.ReadAll(rc)
		name := fmt.Sprintf("layer%d.tar", i)
		add(name, data)
		names = append(names, name)
	}
	manifest := fmt.Sprintf(`[{"Config":"config.json","RepoTags":["x:1"],"Layers":["%s"]}]`, strings.Join(names, `","`))
	add("manifest.json", []byte(manifest))
	tw.Close()
	f.Close()
	r, err := Compare(t.Context(), Request{Image: "docker-archive:" + file, Baseline: "docker-archive:" + file, Depth: Full})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Comparisons[0]
	if !c.Image.CompressedEstimated || !strings.Contains(c.Image.Note, "estimates") {
		t.Errorf("docker save archive: estimated %v, note %q; want estimated, and a note that says so", c.Image.CompressedEstimated, c.Image.Note)
	}
}

func TestMissingLayoutSaysBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dist", "oci")
	_, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: "python:3.13-slim", Depth: Full}, via(unreachable{}))
	if want := "image: no image in " + dir + " yet: run `go tool mage build` first"; err == nil || err.Error() != want {
		t.Errorf("Compare(missing layout) = %v, want %q", err, want)
	}
}

func TestRecordedBaselineOnPurpose(t *testing.T) {
	img, _ := knownImage(t, "amd64")
	dir := writeLayout(t, img)
	// A transport that fails the test if it is used: no network at all.
	r, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: "recorded:python:3.13-slim", Depth: Full}, via(roundTripFunc(func(req *http.Request) (*http.Response, error) {
		t.Errorf("recorded: baseline made a request to %s", req.URL)
		return nil, fmt.Errorf("no")
	})))
	if err != nil || r.Comparisons[0].Baseline.Compressed != 42961458 {
		t.Fatalf("Compare(recorded:) = %v, %v", r, err)
	}
	if _, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: "recorded:alpine:3", Depth: Full}); err == nil || !strings.Contains(err.Error(), `no figures are recorded for "alpine:3"`) {
		t.Errorf("Compare(recorded:alpine:3) = %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
