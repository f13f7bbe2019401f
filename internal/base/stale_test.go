package base

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// failing is a transport whose every request fails with err: a network
// that is not there, with no connection tried.
type failing struct{ err error }

func (f failing) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// refusing is a registry on 127.0.0.1 that serves normally until told to
// answer every request with status and a registry error code.
type refusing struct {
	reg    http.Handler
	status atomic.Int32
	code   atomic.Value
}

func (r *refusing) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if s := int(r.status.Load()); s != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(s)
		io.WriteString(w, `{"errors":[{"code":"`+r.code.Load().(string)+`","message":"refused"}]}`)
		return
	}
	r.reg.ServeHTTP(w, req)
}

// cachedBase serves a base on 127.0.0.1 and pulls it once into a cache of
// the test's own; it returns the registry, the reference and the cache.
func cachedBase(t *testing.T) (*refusing, string, string) {
	t.Helper()
	reg := &refusing{reg: registry.New(registry.Logger(log.New(io.Discard, "", 0)))}
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	ref := strings.TrimPrefix(srv.URL, "http://") + "/base:1"
	pushLabelledBase(t, ref, "stale")
	cache := filepath.Join(t.TempDir(), "cache")
	if _, err := Resolve(t.Context(), ref, layer.Gzip, WithCacheDir(cache)); err != nil {
		t.Fatal(err)
	}
	return reg, ref, cache
}

// Only a registry that cannot be reached at all gives way to the cached
// base, and the build says so; one that answers with a refusal, or whose
// certificate is not trusted, is an error naming the base.
func TestStaleBaseOnlyWhenUnreachable(t *testing.T) {
	testenv.SkipIfShort(t, "runs a registry")
	tests := []struct {
		name      string
		transport http.RoundTripper // nil: the registry answers with status
		status    int
		code      string
		wantErr   string // "": the cached copy stands in
	}{
		{name: "connection refused", transport: failing{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}},
		{name: "name does not resolve", transport: failing{&net.DNSError{Err: "no such host", Name: "registry.test", IsNotFound: true}}},
		{name: "timeout", transport: failing{&net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}}},
		{name: "certificate not trusted", transport: failing{&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, wantErr: "certificate signed by unknown authority"},
		{name: "tag deleted", status: http.StatusNotFound, code: "MANIFEST_UNKNOWN", wantErr: "MANIFEST_UNKNOWN"},
		{name: "credentials revoked", status: http.StatusUnauthorized, code: "UNAUTHORIZED", wantErr: "UNAUTHORIZED"},
		{name: "forbidden", status: http.StatusForbidden, code: "DENIED", wantErr: "DENIED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, ref, cache := cachedBase(t)
			reg.status.Store(int32(tt.status))
			reg.code.Store(tt.code)
			var log strings.Builder
			_, err := Resolve(t.Context(), ref, layer.Gzip, WithCacheDir(cache), WithLog(&log), WithRegistry(registryhttp.New(registryhttp.Config{Transport: tt.transport})))
			if tt.wantErr == "" {
				if err != nil || !strings.Contains(log.String(), "registry unreachable") || !strings.Contains(log.String(), "using the cached copy") {
					t.Errorf("Resolve(%s) = %v, log %q; want the cached copy, said so", tt.name, err, log.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "pulling base "+ref) || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(log.String(), "cached copy") {
				t.Errorf("Resolve(%s) = %v, log %q; want an error naming the base and %q, no cached copy", tt.name, err, log.String(), tt.wantErr)
			}
		})
	}
}

// damage overwrites the cache's largest blob (a layer) with as many other
// bytes, and returns its path.
func damage(t *testing.T, cache string) string {
	t.Helper()
	blobs, _ := filepath.Glob(filepath.Join(cache, "blobs", "sha256", "*"))
	var biggest string
	var size int64
	for _, b := range blobs {
		if fi, err := os.Stat(b); err == nil && fi.Size() > size {
			biggest, size = b, fi.Size()
		}
	}
	if err := os.WriteFile(biggest, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	return biggest
}

// A damaged blob in the base cache is fetched anew while the registry is
// in reach; out of reach, the error names the cache and how to clear it.
func TestDamagedCacheIsRepaired(t *testing.T) {
	_, ref, cache := cachedBase(t)
	blob := damage(t, cache)
	b, err := Resolve(t.Context(), ref, layer.Gzip, WithCacheDir(cache))
	if err != nil {
		t.Fatalf("Resolve() over a damaged cache, registry in reach = %v", err)
	}
	data, err := os.ReadFile(blob)
	if sum := sha256.Sum256(data); err != nil || hex.EncodeToString(sum[:]) != filepath.Base(blob) {
		t.Errorf("the damaged blob %s was not mended", blob)
	}
	img, err := b.Image(amd64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := img.Layers(); err != nil {
		t.Errorf("the base's layers: %v", err)
	}
	digestRef := strings.Split(ref, ":1")[0] + "@" + b.Digest
	for _, r := range []string{ref, digestRef} {
		damage(t, cache)
		_, err = Resolve(t.Context(), r, layer.Gzip, WithCacheDir(cache), WithRegistry(registryhttp.New(registryhttp.Config{Transport: failing{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}})))
		if err == nil || !strings.Contains(err.Error(), "the cached copy in "+cache+" is damaged") || !strings.Contains(err.Error(), "rm -rf "+cache) {
			t.Errorf("Resolve(%s) over a damaged cache, registry out of reach = %v; want an error naming %s and how to clear it", r, err, cache)
		}
		if _, err := Resolve(t.Context(), r, layer.Gzip, WithCacheDir(cache)); err != nil {
			t.Errorf("Resolve(%s) over a damaged cache, registry in reach = %v", r, err)
		}
	}
}
