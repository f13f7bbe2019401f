package base

import (
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lehus1/devops-info-service-go/internal/layer"
)

// pushLabelledBase pushes the static base for linux/amd64 with one label
// of its own, so that each ref is a different image over shared layers.
func pushLabelledBase(t *testing.T, ref, label string) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, labelledBase(t, amd64, map[string]string{"which": label})); err != nil {
		t.Fatal(err)
	}
}

// Builds on one machine share the base cache (two checkouts, CI jobs side
// by side) and may pull into it at once. Each base pulled at once, into a
// cache that does not exist yet, is kept: every one resolves from the
// cache once the registry is gone, the layout is valid, and no staging
// folder is left.
func TestCacheTakesConcurrentPulls(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	host := strings.TrimPrefix(srv.URL, "http://")
	const n = 8
	refs := make([]string, n)
	for i := range refs {
		refs[i] = fmt.Sprintf("%s/base%d:v1", host, i)
		pushLabelledBase(t, refs[i], fmt.Sprint(i))
	}
	cacheDir := filepath.Join(t.TempDir(), "cache")

	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, ref := range refs {
		wg.Go(func() {
			_, errs[i] = Resolve(t.Context(), ref, layer.Gzip, WithCacheDir(cacheDir), WithLog(io.Discard))
		})
	}
	wg.Wait()
	srv.Close()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Resolve(%s) online = %v", refs[i], err)
		}
	}

	for i, ref := range refs {
		var note strings.Builder
		b, err := Resolve(t.Context(), ref, layer.Gzip, WithCacheDir(cacheDir), WithLog(&note), WithPullTimeout(5*time.Second))
		if err != nil {
			t.Errorf("Resolve(%s) offline = %v, want the cached copy", ref, err)
			continue
		}
		img, err := b.Image(amd64)
		if err != nil {
			t.Errorf("cached %s: Image() = %v", ref, err)
			continue
		}
		if cf, err := img.ConfigFile(); err != nil || cf.Config.Labels["which"] != fmt.Sprint(i) {
			t.Errorf("cached %s has labels %v, %v; want which=%d", ref, cf.Config.Labels, err, i)
		}
		if !strings.Contains(note.String(), "using the cached copy") {
			t.Errorf("Resolve(%s) offline said %q, want the cached copy used", ref, note.String())
		}
	}
	idx, err := layout.ImageIndexFromPath(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != n {
		t.Errorf("cache index.json has %d entries, want %d", len(im.Manifests), n)
	}
	if err := validate.Index(idx); err != nil {
		t.Errorf("validate.Index(cache) = %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(cacheDir, ".staging-*")); len(left) > 0 {
		t.Errorf("staging folders left in the cache: %v", left)
	}
}

// A base put into the cache keeps the blobs it shares with bases already
// there, rather than renaming its copy over them: a build of another base
// checking its blobs at that moment saw one change while it opened it
// ("layout blob ... changed while opening") and called the cache damaged
// (CI, under load). Here one base is checked over and over while another,
// over the same layers, is put again and again.
func TestCachePutKeepsSharedBlobs(t *testing.T) {
	cache, err := openCache(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	bases := []v1.Image{labelledBase(t, amd64, map[string]string{"which": "0"}), labelledBase(t, amd64, map[string]string{"which": "1"})}
	if err := cache.put("example.com/base0:v1", bases[0]); err != nil {
		t.Fatal(err)
	}
	d, err := bases[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	desc, ok := cache.find(d.String(), "")
	if !ok {
		t.Fatal("base0 not found in the cache after put")
	}
	stop := make(chan struct{})
	checked := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				checked <- nil
				return
			default:
			}
			if err := cache.verify(desc); err != nil {
				checked <- err
				return
			}
		}
	}()
	for i := 0; i < 100; i++ {
		if err := cache.put("example.com/base1:v1", bases[1]); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	if err := <-checked; err != nil {
		t.Errorf("checking base0 while base1 was put: %v", err)
	}
}
