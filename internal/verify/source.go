package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/publish"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
	"github.com/lehus1/devops-info-service-go/internal/sign"
)

// FromPush reads the image push sent from the layout dir to cfg.Repo, at
// digest or, when digest is "", at dir's index digest, with push's
// credentials and transport.
func FromPush(ctx context.Context, cfg publish.Config, digest, dir string) (Image, error) {
	if digest == "" {
		idx, _, err := ocilayout.Read(dir)
		if err != nil {
			return Image{}, fmt.Errorf("IMAGE names no digest (IMAGE=repo@sha256:…), and %w", err)
		}
		h, err := idx.Digest()
		if err != nil {
			return Image{}, err
		}
		digest = h.String()
	}
	reg := registryhttp.New(cfg.Registry())
	img, err := FromRegistry(cfg.Repo.Digest(digest), reg.Options(ctx)...)
	return img, reg.Redact(err)
}

// FromRegistry reads the image index at ref and what is attached to it
// and to its platform images (by the referrers API, or its tag fallback):
// the Sigstore bundles and the SBOMs.
func FromRegistry(ref name.Reference, opts ...remote.Option) (Image, error) {
	idx, err := remote.Index(ref, opts...)
	if err != nil {
		return Image{}, fmt.Errorf("reading %s: %w", ref, err)
	}
	img, err := fromIndex(idx)
	if err != nil {
		return Image{}, err
	}
	repo := ref.Context()
	img.Name = repo.Digest(img.Index.String()).String()
	for _, d := range append([]v1.Hash{img.Index}, values(img.Platforms)...) {
		refs, err := remote.Referrers(repo.Digest(d.String()), opts...)
		if err != nil {
			return Image{}, fmt.Errorf("reading the referrers of %s: %w", d, err)
		}
		im, err := refs.IndexManifest()
		if err != nil {
			return Image{}, fmt.Errorf("reading the referrers of %s: %w", d, err)
		}
		for _, m := range im.Manifests {
			// The listing's artifactType is not to be trusted (some
			// registries report the config's media type): read the
			// manifest's own.
			kind, data, err := artifactFrom(repo.Digest(m.Digest.String()), opts)
			if err != nil {
				return Image{}, err
			}
			switch kind {
			case sbom.MediaType:
				img.SBOMs[d] = append(img.SBOMs[d], data)
			case sign.BundleMediaType:
				// The signature and provenance are attached to every
				// image: one copy of each is enough.
				if !slices.ContainsFunc(img.Bundles, func(b []byte) bool { return bytes.Equal(b, data) }) {
					img.Bundles = append(img.Bundles, data)
				}
			}
		}
	}
	return img, nil
}

// artifactFrom is the artifact type of the referrer at ref and, for a
// Sigstore bundle or an SBOM, its content: the manifest's one layer.
func artifactFrom(ref name.Digest, opts []remote.Option) (string, []byte, error) {
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return "", nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	var m struct {
		ArtifactType string          `json:"artifactType"`
		Layers       []v1.Descriptor `json:"layers"`
	}
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		return "", nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	if m.ArtifactType != sign.BundleMediaType && m.ArtifactType != sbom.MediaType {
		return m.ArtifactType, nil, nil
	}
	if len(m.Layers) != 1 {
		return "", nil, fmt.Errorf("reading %s: want one layer, a Sigstore bundle or an SBOM, not %d", ref, len(m.Layers))
	}
	l, err := remote.Layer(ref.Context().Digest(m.Layers[0].Digest.String()), opts...)
	if err != nil {
		return "", nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return "", nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 16<<20))
	if err != nil {
		return "", nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	return m.ArtifactType, data, nil
}

// FromLayout reads the image in the OCI layout dir (dist/oci) with the
// SBOMs attached there, and the bundles in bundleDir (dist/provenance)
// that push wrote.
func FromLayout(dir, bundleDir string) (Image, error) {
	idx, _, err := ocilayout.Read(dir)
	if err != nil {
		return Image{}, err
	}
	img, err := fromIndex(idx)
	if err != nil {
		return Image{}, err
	}
	img.Name = dir
	arts, err := ocilayout.Artifacts(dir)
	if err != nil {
		return Image{}, err
	}
	if img.SBOMs, err = sbom.Attached(arts); err != nil {
		return Image{}, err
	}
	files, err := filepath.Glob(filepath.Join(bundleDir, "*.sigstore.json"))
	if err != nil {
		return Image{}, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return Image{}, fmt.Errorf("reading %s: %w", f, err)
		}
		img.Bundles = append(img.Bundles, data)
	}
	return img, nil
}

func fromIndex(idx v1.ImageIndex) (Image, error) {
	d, err := idx.Digest()
	if err != nil {
		return Image{}, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return Image{}, err
	}
	img := Image{Index: d, Commit: im.Annotations[ocispec.AnnotationRevision], Platforms: map[string]v1.Hash{}, SBOMs: map[v1.Hash][][]byte{}}
	for _, m := range im.Manifests {
		if m.Platform != nil {
			img.Platforms[m.Platform.String()] = m.Digest
		}
	}
	return img, nil
}

func values(m map[string]v1.Hash) []v1.Hash {
	var out []v1.Hash
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}
