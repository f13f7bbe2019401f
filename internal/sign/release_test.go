package sign

import (
	"archive/tar"
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/provenance"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
	"github.com/lehus1/devops-info-service-go/internal/sign/signtest"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// goLayout writes an OCI layout whose one platform image holds a Go
// executable (this test's own binary), as provenance.Make needs, with its
// SBOM attached or not, and loads it as push does.
func goLayout(t *testing.T, withSBOM bool) ocilayout.Image {
	t.Helper()
	exe := testenv.GoBinary(t)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "app/svc", Mode: 0o755, Size: int64(len(exe)), Typeflag: tar.TypeReg})
	tw.Write(exe)
	tw.Close()
	img, err := mutate.AppendLayers(empty.Image, static.NewLayer(buf.Bytes(), types.OCIUncompressedLayer))
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{
		Add: mutate.MediaType(img, types.OCIManifestSchema1), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	idx = mutate.Annotations(idx, map[string]string{ocispec.AnnotationVersion: "1.2.3", ocispec.AnnotationRevision: "0123456789abcdef0123456789abcdef01234567"}).(v1.ImageIndex)
	dir := filepath.Join(t.TempDir(), "oci")
	var atts []ocilayout.Attachment
	if withSBOM {
		im, _ := idx.IndexManifest()
		atts = append(atts, ocilayout.Attachment{Subject: im.Manifests[0], ArtifactType: sbom.MediaType, Data: []byte(`{"spdxVersion":"SPDX-2.3","name":"svc"}`)})
	}
	if err := ocilayout.Write(idx, ocilayout.Outputs{Layout: dir, RefName: "1.2.3"}, "test", atts...); err != nil {
		t.Fatal(err)
	}
	loaded, err := ocilayout.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return loaded
}

// Release signs the image, its provenance and its SBOMs with a key, says
// nothing is signed without one, and fails as SIGN=required asks.
func TestRelease(t *testing.T) {
	testenv.SkipIfShort(t, "signs a built layout")
	t.Parallel()
	priv, _ := signtest.KeyPair()
	const password = signtest.Password
	img := goLayout(t, true)
	var log strings.Builder
	s, err := Release(t.Context(), img, Config{PrivateKey: priv, Password: []byte(password), Builder: provenance.Builder{ID: "urn:test"}}, &log)
	if err != nil {
		t.Fatalf("Release(a key) = %v", err)
	}
	// Two bundles (signature, provenance), each on the index and its one
	// image, and the SBOM's attestation on the image.
	if len(s.Bundles) != 3 || len(s.Artifacts) != 5 || s.Bundles[1].Name != "provenance.sigstore.json" || s.Bundles[2].Name != "sbom-linux-amd64.sigstore.json" ||
		!strings.Contains(log.String(), "signed (key) the index, 1 platform images, their provenance and their SBOMs") {
		t.Errorf("Release(a key) = %d bundles, %d artifacts, log %q; want 3 (provenance, then SBOM), 5, and a line that says so",
			len(s.Bundles), len(s.Artifacts), log.String())
	}
	if _, err := Release(t.Context(), goLayout(t, false), Config{PrivateKey: priv, Password: []byte(password), Builder: provenance.Builder{ID: "urn:test"}}, &log); err == nil ||
		!strings.Contains(err.Error(), "linux/amd64") || !strings.Contains(err.Error(), "has 0 SBOMs attached") {
		t.Errorf("Release(no SBOM) = %v, want an error naming linux/amd64 and its missing SBOM", err)
	}

	log.Reset()
	if s, err := Release(t.Context(), img, Config{}, &log); err != nil || len(s.Artifacts) != 0 || log.String() != Unsigned+"\n" {
		t.Errorf("Release(no key) = %d artifacts, %v, log %q; want none and %q", len(s.Artifacts), err, log.String(), Unsigned)
	}
	if _, err := Release(t.Context(), img, Config{Required: true}, &log); !errors.Is(err, ErrNoSigner) {
		t.Errorf("Release(no key, required) = %v, want ErrNoSigner", err)
	}
}
