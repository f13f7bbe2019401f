package registryhttp_test

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/publish"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
	"github.com/lehus1/devops-info-service-go/internal/sizes"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// private is a private-range registry that go-containerregistry would
// talk plain HTTP to by itself. No request reaches it: fakeNetwork answers.
const private = "10.1.2.3:5000"

// fakeNetwork answers every request with an in-memory registry, without
// a connection, and records each request's scheme and host.
type fakeNetwork struct {
	reg http.Handler
	// plain makes it a registry that speaks plain HTTP only.
	plain bool
	mu    sync.Mutex
	seen  []string
}

func (f *fakeNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.seen = append(f.seen, r.URL.Scheme+"://"+r.URL.Host)
	f.mu.Unlock()
	if f.plain && r.URL.Scheme == "https" {
		return nil, errors.New("http: server gave HTTP response to HTTPS client") // as net/http says it
	}
	if r.Body == nil {
		r.Body = http.NoBody // a server's request always has one
	}
	w := httptest.NewRecorder()
	f.reg.ServeHTTP(w, r)
	resp := w.Result()
	resp.Request = r
	return resp, nil
}

func (f *fakeNetwork) schemes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := slices.Clone(f.seen)
	slices.Sort(s)
	return slices.Compact(s)
}

// Push, the base pull and sizecompare follow one rule: HTTPS to a
// private-range registry unless INSECURE_REGISTRY names it; one that
// speaks plain HTTP only is then refused with a line naming
// INSECURE_REGISTRY, and no plain request is sent.
func TestOneRuleForEveryRegistry(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	for _, tt := range []struct {
		name     string
		plain    bool
		insecure []string
		want     []string // the schemes sent
		wantErr  string
	}{
		{"https registry", false, nil, []string{"https://" + private}, ""},
		{"plain registry", true, nil, []string{"https://" + private}, "speaks plain HTTP, not HTTPS: name it in INSECURE_REGISTRY"},
		{"plain registry named insecure", true, []string{private}, []string{"http://" + private, "https://" + private}, ""},
	} {
		net := &fakeNetwork{reg: registry.New(registry.Logger(log.New(io.Discard, "", 0))), plain: tt.plain}
		img, err := random.Image(256, 1)
		if err != nil {
			t.Fatal(err)
		}
		img = mutate.MediaType(img, types.OCIManifestSchema1)
		img = testenv.Configured(t, img, func(cf *v1.ConfigFile) { cf.OS, cf.Architecture = "linux", "amd64" })
		idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
			mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
		seed, _ := name.ParseReference(private + "/base:1")
		if err := remote.WriteIndex(seed, idx, remote.WithTransport(&fakeNetwork{reg: net.reg})); err != nil {
			t.Fatal(err)
		}
		reg := registryhttp.New(registryhttp.Config{Transport: net, Insecure: tt.insecure})
		steps := map[string]func() error{
			"push": func() error {
				repo, _ := name.NewRepository(private + "/svc")
				_, err := publish.Push(t.Context(), idx, repo, []string{"1"}, publish.WithRegistry(reg))
				return err
			},
			"base pull": func() error {
				_, err := base.Resolve(t.Context(), private+"/base:1", layer.Gzip, base.WithRegistry(reg), base.WithCacheDir(t.TempDir()))
				return err
			},
			"sizecompare": func() error {
				_, err := sizes.Compare(t.Context(), sizes.Request{Image: private + "/base:1", Baseline: "recorded:python:3.13-slim", Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}}, Depth: sizes.Manifests}, sizes.WithRegistry(reg))
				return err
			},
		}
		for step, run := range steps {
			net.mu.Lock()
			net.seen = nil
			net.mu.Unlock()
			err := run()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("%s: %s = %v, want error %q", tt.name, step, err, tt.wantErr)
			}
			if got := net.schemes(); !slices.Equal(got, tt.want) {
				t.Errorf("%s: %s sent to %q, want %q", tt.name, step, got, tt.want)
			}
		}
	}
}
