// Package image assembles the service's container image with
// go-containerregistry, as the Dockerfile's second stage would but without
// a Docker engine: a base, one layer holding the binary, and an OCI index
// over the platforms, the same digest from every clean clone of a commit.
// It writes nothing: ocilayout puts the index on disk.
package image

import (
	"archive/tar"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

// Metadata describes the image, for its labels and annotations.
type Metadata struct {
	Title, Description string
	Version, Revision  string
	Source, Licenses   string // Source may be empty
	Created            time.Time
}

// Annotations are the image's OCI annotations (also its labels).
func (m Metadata) Annotations(b *base.Base) map[string]string {
	a := map[string]string{
		ocispec.AnnotationTitle:       m.Title,
		ocispec.AnnotationDescription: m.Description,
		ocispec.AnnotationVersion:     m.Version,
		ocispec.AnnotationRevision:    m.Revision,
		ocispec.AnnotationCreated:     m.Created.UTC().Format(time.RFC3339),
		ocispec.AnnotationLicenses:    m.Licenses,
	}
	if m.Source != "" {
		a[ocispec.AnnotationSource] = m.Source
	}
	if b != nil && b.Ref != "" {
		a[ocispec.AnnotationBaseImageName] = b.Ref
		a[ocispec.AnnotationBaseImageDigest] = b.Digest
	}
	return a
}

// Assemble makes the index: for each binary, its platform's base plus one
// layer with the binary, configured to run it. Platforms are assembled in
// parallel; each layer is compressed once.
func Assemble(ctx context.Context, b *base.Base, bins []binary.Artifact, meta Metadata) (v1.ImageIndex, error) {
	imgs := make([]v1.Image, len(bins))
	g, ctx := errgroup.WithContext(ctx)
	for i, bin := range bins {
		g.Go(func() (err error) {
			imgs[i], err = ForPlatform(ctx, b, bin, meta)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return Index(b, bins, imgs, meta), nil
}

// ForPlatform is Assemble's image for one binary, its layer compressed:
// for a caller that assembles each platform as its binary is built.
func ForPlatform(ctx context.Context, b *base.Base, bin binary.Artifact, meta Metadata) (v1.Image, error) {
	img, err := assembleOne(ctx, b, bin, meta)
	if err != nil {
		return nil, fmt.Errorf("assembling the %s image: %w", platform.Name(bin.Platform), err)
	}
	return img, nil
}

// Index is Assemble's index over imgs, ForPlatform's images of bins.
func Index(b *base.Base, bins []binary.Artifact, imgs []v1.Image, meta Metadata) v1.ImageIndex {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for i, img := range imgs {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: platformImage{img}, Descriptor: v1.Descriptor{Platform: &bins[i].Platform}})
	}
	return mutate.Annotations(idx, meta.Annotations(b)).(v1.ImageIndex)
}

// platformImage is an image as the index lists it: without the
// artifactType that go-containerregistry would copy from its config's media
// type. Only artifacts carry one (image-spec 1.1), and tools that rewrite
// the index by that spec (skopeo copy --all) drop it from an image's entry,
// which changes the index digest and makes --preserve-digests refuse.
type platformImage struct{ v1.Image }

// ArtifactType is empty: this is an image, not an artifact.
func (platformImage) ArtifactType() (string, error) { return "", nil }

func assembleOne(ctx context.Context, b *base.Base, bin binary.Artifact, meta Metadata) (v1.Image, error) {
	baseImg, err := b.Image(bin.Platform)
	if err != nil {
		return nil, err
	}
	mt, err := baseImg.MediaType()
	if err != nil {
		return nil, fmt.Errorf("reading base: %w", err)
	}
	if mt != types.OCIManifestSchema1 && mt != types.DockerManifestSchema2 {
		return nil, fmt.Errorf("base manifest type %s is not an OCI or Docker v2 image", mt)
	}
	data, err := os.ReadFile(bin.Path)
	if err != nil {
		return nil, fmt.Errorf("reading the binary: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Owned by root and not writable by the service's user: the service
	// cannot replace its own code.
	tb, err := layer.Tar([]layer.File{
		{Name: strings.TrimPrefix(contract.Dir, "/"), Type: tar.TypeDir, Mode: 0o755},
		{Name: strings.TrimPrefix(contract.Binary, "/"), Type: tar.TypeReg, Mode: 0o755, Data: data},
	}, meta.Created)
	if err != nil {
		return nil, err
	}
	l, err := layer.New(tb, b.Compression(), layer.MediaType(b.Compression(), mt))
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(baseImg, mutate.Addendum{Layer: l, History: v1.History{
		Created:   v1.Time{Time: meta.Created},
		CreatedBy: "COPY dist/bin/" + platform.Dir(bin.Platform) + "/" + contract.Name + " " + contract.Binary + " # go tool mage build",
		Comment:   contract.Name + " " + meta.Version + ", sha256:" + bin.SHA256,
	}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: meta.Created}
	cf.Author = ""
	cf.Config = runConfig(cf.Config, meta.Annotations(b))
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, err
	}
	return mutate.Annotations(img, meta.Annotations(b)).(v1.Image), nil
}

// runConfig is how the image runs the service. Of the base's settings only
// its environment stays (less PATH and PORT, which are ours); its labels,
// entrypoint, command, user and the rest do not leak in.
func runConfig(from v1.Config, labels map[string]string) v1.Config {
	var env []string
	for _, kv := range from.Env {
		if k, _, _ := strings.Cut(kv, "="); k != "PATH" && k != "PORT" {
			env = append(env, kv)
		}
	}
	return v1.Config{
		Entrypoint:   []string{contract.Binary},
		WorkingDir:   contract.Dir,
		User:         contract.User(),
		ExposedPorts: map[string]struct{}{contract.ExposedPort(): {}},
		Env:          append([]string{"PATH=" + base.DefaultPath, "PORT=" + strconv.Itoa(contract.Port)}, env...),
		Labels:       labels,
		Healthcheck: &v1.HealthConfig{
			Test:        []string{"CMD", contract.Binary, "healthcheck"},
			Interval:    30 * time.Second,
			Timeout:     5 * time.Second,
			StartPeriod: 5 * time.Second,
			Retries:     3,
		},
	}
}
