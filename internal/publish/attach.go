package publish

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
)

// WithArtifacts adds documents attached to the image (its SBOMs) to the
// push. Default none.
func WithArtifacts(a ...ocilayout.Artifact) Option {
	return func(o *options) { o.artifacts = append(o.artifacts, a...) }
}

// rawManifest is a manifest pushed as it is.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

// pushArtifact uploads an attachment's blobs and its manifest by digest.
// The registry then lists it among the subject's referrers; one without
// the referrers API gets go-containerregistry's sha256-<digest> index tag.
// It returns the cosign-style tag (sha256-<digest>.sbom) that such a
// registry should also get once the image's own tags are set, or nothing.
func pushArtifact(ctx context.Context, repo name.Repository, a ocilayout.Artifact, opts []remote.Option, o options) (name.Tag, bool, error) {
	for h, data := range a.Blobs {
		if h == a.Descriptor.Digest {
			continue
		}
		if err := remote.WriteLayer(repo, static.NewLayer(data, types.MediaType("application/octet-stream")), opts...); err != nil {
			return name.Tag{}, false, fmt.Errorf("pushing the blobs of %s: %w", a.Descriptor.Digest, err)
		}
	}
	opts = append(opts, remote.WithReferrersTagFallback(true))
	if err := remote.Put(repo.Digest(a.Descriptor.Digest.String()), rawManifest{a.Manifest, a.Descriptor.MediaType}, opts...); err != nil {
		return name.Tag{}, false, fmt.Errorf("pushing %s: %w", a.Descriptor.Digest, err)
	}
	subject, err := a.Subject()
	if err != nil {
		return name.Tag{}, false, err
	}
	api, err := referrersAPI(ctx, repo, subject.String(), o)
	if err != nil || api {
		return name.Tag{}, false, err
	}
	// Only an SBOM has such a tag: cosign's older .sig and .att tags hold
	// a different format from the Sigstore bundles attached here, which
	// cosign finds through the referrers tag fallback instead.
	if a.Descriptor.ArtifactType != "application/spdx+json" {
		return name.Tag{}, false, nil
	}
	return repo.Tag(strings.Replace(subject.String(), ":", "-", 1) + ".sbom"), true, nil
}

// checkReferrers reads back the referrers of each artifact's subject, by
// the API or its tag fallback, and says which artifact is missing.
func checkReferrers(repo name.Repository, arts []ocilayout.Artifact, opts []remote.Option) error {
	listed := map[v1.Hash]map[v1.Hash]bool{}
	for _, a := range arts {
		subject, err := a.Subject()
		if err != nil {
			return err
		}
		if listed[subject] == nil {
			idx, err := remote.Referrers(repo.Digest(subject.String()), opts...)
			if err != nil {
				return fmt.Errorf("reading the referrers of %s back: %w", subject, err)
			}
			im, err := idx.IndexManifest()
			if err != nil {
				return fmt.Errorf("reading the referrers of %s back: %w", subject, err)
			}
			listed[subject] = map[v1.Hash]bool{}
			for _, m := range im.Manifests {
				listed[subject][m.Digest] = true
			}
		}
		if !listed[subject][a.Descriptor.Digest] {
			return fmt.Errorf("%s (%s) is not among the referrers of %s after the push", a.Descriptor.Digest, a.Descriptor.ArtifactType, subject)
		}
	}
	return nil
}

// referrersAPI says whether the registry answers the OCI referrers API.
func referrersAPI(ctx context.Context, repo name.Repository, digest string, o options) (bool, error) {
	client, err := o.registry.Reader(ctx, repo)
	if err != nil {
		return false, err
	}
	u := fmt.Sprintf("%s://%s/v2/%s/referrers/%s", repo.Scheme(), repo.RegistryStr(), repo.RepositoryStr(), digest)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Accept", string(types.OCIImageIndex))
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}
