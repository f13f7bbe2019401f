package publish

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
)

// Artifacts added to the loaded image (signatures, provenance) go up with
// the layout's own and are read back among their subject's referrers.
func TestRunPushesAddedArtifacts(t *testing.T) {
	t.Parallel()
	_, host := newRegistry(t)
	repo, err := Repository(host+"/svc", nil)
	if err != nil {
		t.Fatal(err)
	}
	img, err := ocilayout.Load(layoutFor(t))
	if err != nil {
		t.Fatal(err)
	}
	im, _ := img.Index.IndexManifest()
	subject := im.Manifests[0]
	art, err := ocilayout.NewArtifact(ocilayout.Attachment{Subject: subject, ArtifactType: "application/vnd.dev.sigstore.bundle.v0.3+json", Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	img.Artifacts = append(img.Artifacts, art)
	if err := Run(t.Context(), img, Config{Repo: repo}, &stdout, &stderr); err != nil {
		t.Fatalf("Run() = %v\n%s", err, stderr.String())
	}
	if want := "attached " + repo.Digest(art.Descriptor.Digest.String()).String(); !strings.Contains(stderr.String(), want) {
		t.Errorf("Run() stderr = %q, want %q", stderr.String(), want)
	}
	refs, err := remote.Referrers(repo.Digest(subject.Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	rm, _ := refs.IndexManifest()
	if len(rm.Manifests) != 1 || rm.Manifests[0].Digest != art.Descriptor.Digest {
		t.Errorf("referrers of %s = %+v, want the extra artifact %s", subject.Digest, rm.Manifests, art.Descriptor.Digest)
	}
}
