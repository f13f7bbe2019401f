package publish

import (
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

func TestTags(t *testing.T) {
	tests := []struct {
		version, commit, override string
		want                      []string
		wantErr                   string
	}{
		{"1.2.3", "0123456789ab", "", []string{"1.2.3", "1.2", "1", "latest"}, ""},
		{"0.4.0", "0123456789ab", "", []string{"0.4.0", "0.4", "0", "latest"}, ""},
		{"1.2.4-dev.3.g0123456789ab", "0123456789abcdef", "", []string{"1.2.4-dev.3.g0123456789ab", "sha-0123456"}, ""},
		{"2.0.0-rc.1", "fedcba9876543210", "", []string{"2.0.0-rc.1", "sha-fedcba9"}, ""},
		{"0.0.0-dev", "unknown", "", []string{"0.0.0-dev"}, ""},
		{"1.2.3", "x", "stable, 1.2.3,stable", []string{"stable", "1.2.3"}, ""},
		{"1.2.3", "x", "ok,bad tag", nil, `tag "bad tag" is not a valid image tag`},
		{"1.2.3", "x", "ok,", nil, `tag "" is not a valid image tag`},
		// Every bad tag is named, in one line, before anything is sent.
		{"1.2.3", "x", "good1,-dash,good2,.dot", nil, `tags "-dash", ".dot" are not valid image tags`},
		{"1.2.3", "x", strings.Repeat("a", 129), nil, `is not a valid image tag`},
		{"1.2.3", "x", strings.Repeat("a", 128), []string{strings.Repeat("a", 128)}, ""},
	}
	for _, tt := range tests {
		got, err := Tags(tt.version, tt.commit, tt.override)
		call := fmt.Sprintf("Tags(%q, %q, %q)", tt.version, tt.commit, tt.override)
		if !testenv.WantErr(t, call, err, tt.wantErr) {
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", call, diff)
		}
	}
}

// recorder counts what reaches the registry and can fail chosen requests.
type recorder struct {
	mu         sync.Mutex
	uploads    int // blob uploads started (POST …/blobs/uploads/)
	writes     int // any request that writes
	failUpload int // the n-th blob upload commit fails (0: none)
	commits    int
	next       http.Handler
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		r.writes++
	}
	if req.Method == http.MethodPost && strings.Contains(req.URL.Path, "/blobs/uploads/") {
		r.uploads++
	}
	fail := false
	if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/blobs/uploads/") {
		r.commits++
		fail = r.failUpload > 0 && r.commits >= r.failUpload
	}
	r.mu.Unlock()
	if fail {
		http.Error(w, `{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"refused by the test"}]}`, http.StatusBadRequest)
		return
	}
	r.next.ServeHTTP(w, req)
}

func newRegistry(t *testing.T) (*recorder, string) {
	t.Helper()
	rec := &recorder{next: registry.New(registry.Logger(log.New(io.Discard, "", 0)))}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, strings.TrimPrefix(srv.URL, "http://")
}

// testIndex is a two-platform index with a shared base layer.
func testIndex(t *testing.T) v1.ImageIndex {
	t.Helper()
	base, err := random.Layer(2000, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	amd, _ := random.Layer(3000, types.OCILayer)
	arm, _ := random.Layer(3000, types.OCILayer)
	return indexOf(t, platformImage(t, "amd64", base, amd), platformImage(t, "arm64", base, arm))
}

// platformImage is an OCI image of the layers for linux/arch.
func platformImage(t *testing.T, arch string, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON), layers...)
	if err != nil {
		t.Fatal(err)
	}
	return testenv.Configured(t, img, func(cf *v1.ConfigFile) { cf.OS, cf.Architecture = "linux", arch })
}

// indexOf is an OCI index of the images, each under its platform.
func indexOf(t *testing.T, imgs ...v1.Image) v1.ImageIndex {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		p := v1.Platform{OS: cf.OS, Architecture: cf.Architecture}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	return idx
}

// client is a registry client as cfg says, that retries without waiting.
func client(cfg registryhttp.Config) Option {
	cfg.Backoff = quick
	return WithRegistry(registryhttp.New(cfg))
}

var fast = client(registryhttp.Config{})

// quick is a retry backoff that does not wait.
var quick = remote.Backoff{Duration: time.Millisecond, Factor: 2, Steps: 6}

func listTags(t *testing.T, repo name.Repository) []string {
	t.Helper()
	tags, err := remote.List(repo)
	if err != nil && !strings.Contains(err.Error(), "NAME_UNKNOWN") {
		t.Fatal(err)
	}
	return tags
}

func TestPushTagsAndIdempotence(t *testing.T) {
	t.Parallel()
	rec, host := newRegistry(t)
	repo, _ := Repository(host+"/lehus1/svc", nil)
	idx := testIndex(t)
	tags := []string{"1.2.3", "1.2", "1", "latest"}
	res, err := Push(t.Context(), idx, repo, tags, fast)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	if res.Digest.DigestStr() != d.String() || len(res.Tags) != 4 {
		t.Errorf("Push() = %v, want digest %s and 4 tags", res, d)
	}
	if got := listTags(t, repo); !cmp.Equal(got, []string{"1", "1.2", "1.2.3", "latest"}) {
		t.Errorf("registry tags = %v", got)
	}
	// 5 blobs: a shared base layer, two own layers, two configs; each once,
	// whatever the number of tags.
	if rec.uploads != 5 {
		t.Errorf("first push started %d blob uploads, want 5 (each blob once for all four tags)", rec.uploads)
	}
	pulled, err := remote.Index(repo.Tag("latest"))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(pulled); err != nil {
		t.Errorf("validate.Index(pushed) = %v", err)
	}
	rec.uploads = 0
	if _, err := Push(t.Context(), idx, repo, tags, fast); err != nil {
		t.Fatal(err)
	}
	if rec.uploads != 0 {
		t.Errorf("second push of an unchanged image started %d blob uploads, want 0", rec.uploads)
	}
}

// A registry that fails the third blob upload leaves no tag behind.
func TestPushFailureLeavesNoTag(t *testing.T) {
	t.Parallel()
	rec, host := newRegistry(t)
	rec.failUpload = 3
	repo, _ := Repository(host+"/svc", nil)
	_, err := Push(t.Context(), testIndex(t), repo, []string{"1.0.0", "latest"}, fast)
	if err == nil || !strings.Contains(err.Error(), "pushing "+host+"/svc@sha256:") {
		t.Fatalf("Push() = %v, want a pushing error", err)
	}
	if got := listTags(t, repo); len(got) != 0 {
		t.Errorf("tags after a failed push = %v, want none", got)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	rec, host := newRegistry(t)
	repo, _ := Repository(host+"/svc", nil)
	idx := testIndex(t)
	im, _ := idx.IndexManifest()
	art, _ := ocilayout.NewArtifact(ocilayout.Attachment{Subject: im.Manifests[0], ArtifactType: "application/spdx+json", Data: []byte("{}")})
	plan, err := MakePlan(t.Context(), idx, repo, []string{"1.0.0"}, fast, WithArtifacts(art))
	if err != nil {
		t.Fatal(err)
	}
	if rec.writes != 0 {
		t.Errorf("MakePlan made %d writing requests, want 0", rec.writes)
	}
	var out strings.Builder
	plan.Write(&out)
	if len(plan.Blobs) != 5 || !strings.Contains(out.String(), "5 of 5 blobs to upload") || !strings.Contains(out.String(), "would tag  "+host+"/svc:1.0.0") ||
		!strings.Contains(out.String(), "would attach "+art.Descriptor.Digest.String()+" (application/spdx+json) to "+im.Manifests[0].Digest.String()) {
		t.Errorf("plan = %s", out.String())
	}
	if _, err := Push(t.Context(), idx, repo, []string{"1.0.0"}, fast); err != nil {
		t.Fatal(err)
	}
	plan, _ = MakePlan(t.Context(), idx, repo, []string{"1.0.0"}, fast)
	out.Reset()
	plan.Write(&out)
	if !strings.Contains(out.String(), "0 of 5 blobs to upload, 0.0 MB") {
		t.Errorf("plan after a push = %s, want nothing to upload", out.String())
	}
}

// flaky answers a share of requests with 503 or by dropping the connection.
type flaky struct {
	mu     sync.Mutex
	rng    *rand.Rand
	share  float64
	failed int
	next   http.Handler
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	x := f.rng.Float64()
	if x < f.share {
		f.failed++
	}
	f.mu.Unlock()
	switch {
	case x < f.share/2:
		w.Header().Set("Retry-After", "0")
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	case x < f.share:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "dropped", http.StatusBadGateway)
	default:
		f.next.ServeHTTP(w, r)
	}
}

func TestPushThroughFlakyRegistry(t *testing.T) {
	t.Parallel()
	f := &flaky{rng: rand.New(rand.NewPCG(7, 11)), share: 0.15, next: registry.New(registry.Logger(log.New(io.Discard, "", 0)))}
	srv := httptest.NewServer(f)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	idx := testIndex(t)
	d, _ := idx.Digest()
	for i := range 5 {
		repo, _ := Repository(fmt.Sprintf("%s/svc%d", host, i), nil)
		if err := Preflight(repo, fast); err != nil {
			t.Fatalf("preflight %d through a registry failing 15%% of requests: %v", i, err)
		}
		if _, err := Push(t.Context(), idx, repo, []string{"1.0.0", "latest"}, fast); err != nil {
			t.Fatalf("push %d through a registry failing 15%% of requests: %v", i, err)
		}
		// Read back past the faults, retrying without go-containerregistry's
		// waits of seconds: the content is intact.
		var pulled v1.ImageIndex
		var err error
		for range 10 {
			if pulled, err = remote.Index(repo.Tag("latest"), remote.WithRetryBackoff(quick)); err == nil {
				if err = validate.Index(pulled); err == nil {
					break
				}
			}
		}
		if err != nil {
			t.Fatalf("reading push %d back: %v", i, err)
		}
		if got, _ := pulled.Digest(); got != d {
			t.Errorf("push %d reads back as %s, want %s", i, got, d)
		}
	}
	if f.failed == 0 {
		t.Errorf("the flaky registry failed no request; the test proves nothing")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The credentials for IMAGE's registry reach that registry only.
func TestConfigKeychain(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no docker login here
	repo, err := name.NewRepository("127.0.0.1:5000/svc")
	if err != nil {
		t.Fatal(err)
	}
	k := registryhttp.New(Config{Repo: repo, Username: "u", Password: "p"}.Registry()).Keychain()
	tests := []struct {
		ref      string
		wantUser string
	}{
		{"127.0.0.1:5000/python:3.13-slim", "u"},
		{"127.0.0.1:5001/python:3.13-slim", ""},
		{"python:3.13-slim", ""},
	}
	for _, tt := range tests {
		r, _ := name.ParseReference(tt.ref)
		a, err := k.Resolve(r.Context())
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := a.Authorization()
		if cfg.Username != tt.wantUser {
			t.Errorf("Config.Keychain().Resolve(%s) user = %q, want %q", tt.ref, cfg.Username, tt.wantUser)
		}
	}
}

func TestProgressShowsTheUpload(t *testing.T) {
	t.Parallel()
	_, host := newRegistry(t)
	repo, _ := Repository(host+"/svc", nil)
	big, _ := random.Layer(600_000, types.OCILayer)
	idx := indexOf(t, platformImage(t, "amd64", big))
	var out strings.Builder
	if _, err := Push(t.Context(), idx, repo, []string{"1"}, fast, WithProgress(&out, false), withInterval(0)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "pushing: ") || !strings.Contains(out.String(), "uploaded 0.6 MB") {
		t.Errorf("progress = %q, want pushing lines and the 0.6 MB uploaded", out.String())
	}
}

// No rate or time left before there is enough to tell them by.
func TestProgressRate(t *testing.T) {
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		elapsed         time.Duration
		complete, total int64
		want            string
	}{
		{100 * time.Millisecond, 100_000, 11_000_000, "pushing: 0.1 MB of 11.0 MB\n"},
		{5 * time.Second, 100_000, 11_000_000, "pushing: 0.1 MB of 11.0 MB\n"},
		{500 * time.Millisecond, 5_000_000, 11_000_000, "pushing: 5.0 MB of 11.0 MB\n"},
		{2 * time.Second, 4_000_000, 11_000_000, "pushing: 4.0 MB of 11.0 MB, 2.0 MB/s, 4s left\n"},
		{4 * time.Second, 11_000_000, 11_000_000, "pushing: 11.0 MB of 11.0 MB, 2.8 MB/s\n"},
	} {
		var out strings.Builder
		p := newProgress(&out, false, 0)
		p.start, p.now = start, func() time.Time { return start.Add(tt.elapsed) }
		p.show(tt.complete, tt.total, false)
		if out.String() != tt.want {
			t.Errorf("show(%d of %d after %v) = %q, want %q", tt.complete, tt.total, tt.elapsed, out.String(), tt.want)
		}
	}
}

// A request that times out is tried again, and the push goes through.
func TestTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	var once sync.Once
	stall := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") {
			stalled := false
			once.Do(func() { stalled = true })
			if stalled {
				// Longer than the client waits for headers; over when it
				// hangs up, so that closing the server need not wait.
				select {
				case <-time.After(time.Second):
				case <-r.Context().Done():
				}
			}
		}
		reg.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(stall)
	defer srv.Close()
	repo, _ := Repository(strings.TrimPrefix(srv.URL, "http://")+"/svc", nil)
	impatient := &http.Transport{ResponseHeaderTimeout: 200 * time.Millisecond}
	var out strings.Builder
	if _, err := Push(t.Context(), testIndex(t), repo, []string{"1"}, client(registryhttp.Config{Transport: impatient}), WithProgress(&out, false)); err != nil {
		t.Fatalf("Push() with one stalled request = %v\n%s", err, out.String())
	}
}

// A registry that answers HTTPS with plain HTTP is a refusal that names
// INSECURE_REGISTRY, and no retry follows.
func TestPlainHTTPAnswerToHTTPSIsARefusal(t *testing.T) {
	t.Parallel()
	calls := 0
	plain := roundTripFunc(func(*http.Request) (*http.Response, error) {
		calls++
		return nil, fmt.Errorf("http: server gave HTTP response to HTTPS client")
	})
	repo, err := name.NewRepository("registry.test:5000/svc")
	if err != nil {
		t.Fatal(err)
	}
	err = Preflight(repo, client(registryhttp.Config{Transport: plain}))
	if err == nil || !strings.Contains(err.Error(), "registry.test:5000 speaks plain HTTP") || !strings.Contains(err.Error(), "INSECURE_REGISTRY") || calls != 1 {
		t.Errorf("Preflight() = %v after %d requests, want a refusal naming INSECURE_REGISTRY after 1", err, calls)
	}
}

// An attached SBOM is reachable from the image's digest, with or without
// the registry's referrers API.
func TestPushAttachesArtifacts(t *testing.T) {
	t.Parallel()
	for _, api := range []bool{true, false} {
		t.Run(fmt.Sprintf("referrers API %v", api), func(t *testing.T) {
			srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(api)))
			defer srv.Close()
			repo, _ := Repository(strings.TrimPrefix(srv.URL, "http://")+"/svc", nil)
			idx := testIndex(t)
			im, _ := idx.IndexManifest()
			subject := im.Manifests[0]
			art, err := ocilayout.NewArtifact(ocilayout.Attachment{Subject: subject, ArtifactType: "application/spdx+json", Data: []byte(`{"spdxVersion":"SPDX-2.3"}`)})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Push(t.Context(), idx, repo, []string{"1"}, fast, WithArtifacts(art))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Attached) != 1 || res.Attached[0].DigestStr() != art.Descriptor.Digest.String() {
				t.Errorf("Push().Attached = %v, want %s", res.Attached, art.Descriptor.Digest)
			}
			refs, err := remote.Referrers(repo.Digest(subject.Digest.String()))
			if err != nil {
				t.Fatal(err)
			}
			rm, _ := refs.IndexManifest()
			// (The in-memory registry's referrers API reports the config's
			// media type as the artifact type, which OCI 1.1 does not; the
			// digest is what makes the SBOM reachable.)
			if len(rm.Manifests) != 1 || rm.Manifests[0].Digest != art.Descriptor.Digest || !api && rm.Manifests[0].ArtifactType != "application/spdx+json" {
				t.Errorf("referrers of %s = %+v, want the SBOM", subject.Digest, rm.Manifests)
			}
			cosign := repo.Tag(strings.Replace(subject.Digest.String(), ":", "-", 1) + ".sbom")
			d, err := remote.Head(cosign)
			if api && err == nil {
				t.Errorf("%s exists on a registry with the referrers API; want no fallback tag", cosign)
			}
			if !api && (err != nil || d.Digest != art.Descriptor.Digest) {
				t.Errorf("fallback tag %s = %v, %v; want the SBOM", cosign, d, err)
			}
		})
	}
}

// A push retries at one layer, per request: a manifest the registry keeps
// failing is sent as many times as the backoff has steps, not again for
// each of several whole attempts around it.
func TestOneLayerOfRetry(t *testing.T) {
	t.Parallel()
	idx := testIndex(t)
	d, _ := idx.Digest()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	var mu sync.Mutex
	puts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/manifests/"+d.String()) {
			mu.Lock()
			puts++
			mu.Unlock()
			http.Error(w, "failing inside", http.StatusInternalServerError)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	defer srv.Close()
	repo, _ := Repository(strings.TrimPrefix(srv.URL, "http://")+"/svc", nil)
	if _, err := Push(t.Context(), idx, repo, []string{"1"}, fast); err == nil {
		t.Fatal("Push() to a registry that fails every index upload = nil, want an error")
	}
	if want := 6; puts != want {
		t.Errorf("Push() sent the index %d times, want %d (one retry layer of 6 tries)", puts, want)
	}
}
