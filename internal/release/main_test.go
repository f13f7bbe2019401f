package main

import (
	"archive/tar"
	"encoding/base64"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
	"github.com/lehus1/devops-info-service-go/internal/sign/signtest"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// layout puts an unsigned one-platform dist/oci, as build would write
// it, in a fresh current folder and returns its index digest. Its image
// holds a Go executable (this test's own, for the provenance) and its
// SBOM is attached. Nothing writes into dist/oci, so one layout serves
// every test: dist/oci links to it, and writing its 40 MB again for each
// would cost more than the tests.
func layout(t *testing.T) v1.Hash {
	t.Helper()
	d, err := sharedLayout()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if err := os.Mkdir("dist", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(sharedDir, "oci"), filepath.Join("dist", "oci")); err != nil {
		t.Fatal(err)
	}
	return d
}

// sharedDir holds the layout of sharedLayout; TestMain removes it.
var sharedDir string

var sharedLayout = sync.OnceValues(func() (v1.Hash, error) {
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		return v1.Hash{}, err
	}
	data, err := layer.Tar([]layer.File{{Name: "app/svc", Type: tar.TypeReg, Mode: 0o755, Data: exe}}, time.Unix(0, 0))
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := mutate.AppendLayers(empty.Image, static.NewLayer(data, types.OCIUncompressedLayer))
	if err != nil {
		return v1.Hash{}, err
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: mutate.MediaType(img, types.OCIManifestSchema1), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	idx = mutate.Annotations(idx, map[string]string{ocispec.AnnotationVersion: "1.2.3", ocispec.AnnotationRevision: strings.Repeat("a", 40)}).(v1.ImageIndex)
	im, err := idx.IndexManifest()
	if err != nil {
		return v1.Hash{}, err
	}
	if sharedDir, err = os.MkdirTemp("", "release-test-"); err != nil {
		return v1.Hash{}, err
	}
	doc := ocilayout.Attachment{Subject: im.Manifests[0], ArtifactType: sbom.MediaType, Data: []byte(`{"spdxVersion":"SPDX-2.3","name":"svc"}`)}
	if err := ocilayout.Write(idx, ocilayout.Outputs{Layout: filepath.Join(sharedDir, "oci"), RefName: "1.2.3"}, "", doc); err != nil {
		return v1.Hash{}, err
	}
	return idx.Digest()
})

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// Each way in gives what `go tool mage push` and `verify` gave: the plan,
// the pushed references, or one line saying what is wrong.
func TestRun(t *testing.T) {
	host := registryHost(t)
	_, pub := signtest.KeyPair()
	tests := []struct {
		name              string
		args              []string
		env               map[string]string
		inStdout, wantErr string
	}{
		{"no command", nil, nil, "", "usage: go tool release push|verify"},
		{"bad IMAGE", []string{"push"}, map[string]string{"IMAGE": "Bad Name"}, "", `IMAGE "Bad Name"`},
		{"bad SIGN", []string{"push"}, map[string]string{"IMAGE": host + "/svc", "SIGN": "x"}, "", `SIGN must be "required" or unset, got "x"`},
		{"nothing to sign with", []string{"push"}, map[string]string{"IMAGE": host + "/svc", "SIGN": "required"}, "", "SIGN=required, but there is nothing to sign with"},
		{"dry run", []string{"push"}, map[string]string{"IMAGE": host + "/svc", "DRY_RUN": "1", "INSECURE_REGISTRY": host}, host + "/svc", ""},
		{"unsigned push", []string{"push"}, map[string]string{"IMAGE": host + "/svc", "INSECURE_REGISTRY": host}, host + "/svc@sha256:", ""},
		{"nothing to verify against", []string{"verify"}, nil, "", "nothing to verify against"},
		{"bad IMAGE to verify", []string{"verify"}, map[string]string{"IMAGE": "Bad Name", "COSIGN_PUBLIC_KEY": string(pub)}, "", `IMAGE "Bad Name"`},
		{"unsigned layout", []string{"verify"}, map[string]string{"COSIGN_PUBLIC_KEY": string(pub)}, "", "signature"},
		{"layout not pushed", []string{"verify"}, map[string]string{"IMAGE": host + "/never-pushed", "INSECURE_REGISTRY": host, "COSIGN_PUBLIC_KEY": string(pub)}, "", "reading " + host + "/never-pushed@sha256:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			layout(t)
			var stdout, stderr strings.Builder
			err := run(t.Context(), tt.args, getenv(tt.env), &stdout, &stderr)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("run(%q) = %v, want error %q (stderr %q)", tt.args, err, tt.wantErr, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.inStdout) {
				t.Errorf("run(%q) stdout %q, want it to hold %q", tt.args, stdout.String(), tt.inStdout)
			}
		})
	}
}

// A signed push and a verify of what it pushed, as `go tool mage push`
// then `verify` run them: push signs the layout it read once and sends
// the signatures with it, from memory; verify finds them all. The key is
// given as many CI secret stores hold it, base64 in lines of 64.
func TestSignedRoundTrip(t *testing.T) {
	testenv.SkipIfShort(t, "signs and pushes a layout")
	d := layout(t)
	host := registryHost(t)
	priv, pub := signtest.KeyPair()
	wrapped := regexp.MustCompile(".{1,64}").ReplaceAllString(base64.StdEncoding.EncodeToString(priv), "$0\n")
	env := map[string]string{"IMAGE": host + "/svc", "INSECURE_REGISTRY": host, "COSIGN_PRIVATE_KEY": wrapped, "COSIGN_PASSWORD": signtest.Password}
	var stdout, stderr strings.Builder
	if err := run(t.Context(), []string{"push"}, getenv(env), &stdout, &stderr); err != nil {
		t.Fatalf("run(push) = %v\n%s", err, stderr.String())
	}
	if want := host + "/svc@" + d.String(); !strings.HasPrefix(stdout.String(), want+"\n") || !strings.Contains(stderr.String(), "signed (key)") {
		t.Errorf("run(push) stdout %q, stderr %q; want %s first and a line saying it signed", stdout.String(), stderr.String(), want)
	}
	if _, err := os.Stat("dist/provenance/provenance.sigstore.json"); err != nil {
		t.Errorf("run(push) wrote no dist/provenance/provenance.sigstore.json: %v", err)
	}
	stdout.Reset()
	env = map[string]string{"IMAGE": host + "/svc", "INSECURE_REGISTRY": host, "COSIGN_PUBLIC_KEY": string(pub)}
	if err := run(t.Context(), []string{"verify"}, getenv(env), &stdout, &stderr); err != nil {
		t.Fatalf("run(verify) = %v", err)
	}
	if want := "verified " + host + "/svc@" + d.String() + ": signature, provenance of commit aaaaaaaaaaaa, 1 SBOMs"; !strings.Contains(stdout.String(), want) {
		t.Errorf("run(verify) stdout %q, want %q", stdout.String(), want)
	}
}

// registryHost is the host:port of an in-memory registry on 127.0.0.1.
func registryHost(t *testing.T) string {
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(reg.Close)
	return strings.TrimPrefix(reg.URL, "http://")
}

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
