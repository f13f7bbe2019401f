package sbom

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
)

// Attached finds each SBOM by the manifest it is attached to, and no
// other artifact.
func TestAttached(t *testing.T) {
	subject := func(c string) v1.Descriptor {
		return v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 10, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat(c, 64)}}
	}
	var arts []ocilayout.Artifact
	for _, att := range []ocilayout.Attachment{
		{Subject: subject("a"), ArtifactType: MediaType, Data: []byte(`{"name":"a"}`)},
		{Subject: subject("b"), ArtifactType: MediaType, Data: []byte(`{"name":"b"}`)},
		{Subject: subject("b"), ArtifactType: "application/vnd.dev.sigstore.bundle.v0.3+json", Data: []byte(`{}`)},
	} {
		a, err := ocilayout.NewArtifact(att)
		if err != nil {
			t.Fatal(err)
		}
		arts = append(arts, a)
	}
	got, err := Attached(arts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got[subject("a").Digest][0]) != `{"name":"a"}` || len(got[subject("b").Digest]) != 1 {
		t.Errorf("Attached() = %q, want one SBOM on each of two manifests", got)
	}
}
