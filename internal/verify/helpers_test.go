package verify

import (
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/provenance"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
)

const commit = "0123456789abcdef0123456789abcdef01234567"

var platforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}}

// testIndex is a two-platform index that says it is commit c.
func testIndex(t *testing.T, c string) v1.ImageIndex {
	t.Helper()
	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for i := range platforms {
		img, err := random.Image(512, 1)
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: mutate.MediaType(img, types.OCIManifestSchema1),
			Descriptor: v1.Descriptor{Platform: &platforms[i]}})
	}
	return mutate.Annotations(idx, map[string]string{ocispec.AnnotationVersion: "1.2.3", ocispec.AnnotationRevision: c}).(v1.ImageIndex)
}

// sbomAttachments are an SBOM for each platform image of idx, as build
// attaches them in dist/oci.
func sbomAttachments(t *testing.T, idx v1.ImageIndex) []ocilayout.Attachment {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var out []ocilayout.Attachment
	for _, m := range im.Manifests {
		out = append(out, ocilayout.Attachment{Subject: m, ArtifactType: sbom.MediaType, Data: []byte(`{"spdxVersion":"SPDX-2.3","name":"` + m.Platform.String() + `"}`)})
	}
	return out
}

// sboms are sbomAttachments as the artifacts push sends.
func sboms(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact {
	t.Helper()
	var out []ocilayout.Artifact
	for _, att := range sbomAttachments(t, idx) {
		a, err := ocilayout.NewArtifact(att)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// provenanceOf is a minimal SLSA provenance of idx that names commit c;
// the real one (provenance.Make) needs Go binaries in the layers.
func provenanceOf(t *testing.T, idx v1.ImageIndex, c string) []byte {
	t.Helper()
	subjects, err := provenance.Subjects(idx)
	if err != nil {
		t.Fatal(err)
	}
	var subj []string
	for _, s := range subjects {
		subj = append(subj, fmt.Sprintf(`{"name":%q,"digest":{"sha256":%q}}`, s.GetName(), s.GetDigest()["sha256"]))
	}
	return []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[` + strings.Join(subj, ",") + `],"predicateType":"` + provenance.PredicateType +
		`","predicate":{"buildDefinition":{"buildType":"` + provenance.BuildType + `","externalParameters":{"commit":"` + c + `"}},"runDetails":{"builder":{"id":"urn:test"}}}}`)
}

// memRegistry is an in-memory registry on 127.0.0.1, with or without the
// referrers API, and a repository on it.
func memRegistry(t *testing.T, referrers bool) name.Repository {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(referrers)))
	t.Cleanup(srv.Close)
	repo, err := name.NewRepository(strings.TrimPrefix(srv.URL, "http://")+"/lehus1/svc", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}
