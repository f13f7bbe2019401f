// Package settings is the one place that reads the pipeline's environment:
// each target's settings (Load for build, Port and Engine for run and
// smoke, Sizes for sizecompare, Publish for push, ReadCI for test, lint
// and ci), read once, checked so that a mistake is one clear line before
// any work starts, and handed down typed. app/ reads the service's own variables itself.
package settings

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
	"github.com/lehus1/devops-info-service-go/internal/version"
)

// Settings are the pipeline's inputs.
type Settings struct {
	Dir         string // the checkout
	Version     version.Info
	Platforms   []v1.Platform
	BaseImage   string
	Compression layer.Compression
	Image       name.Repository
	// Insecure are the registries that may be reached over plain HTTP
	// (INSECURE_REGISTRY), for the base pull as for push.
	Insecure []string
	Source   string
	Licenses string
}

// Load reads VERSION, SOURCE_DATE_EPOCH, PLATFORMS, BASE_IMAGE, COMPRESSION,
// IMAGE, INSECURE_REGISTRY, IMAGE_SOURCE and IMAGE_LICENSES, with their
// defaults.
func Load(ctx context.Context, dir string, getenv func(string) string) (Settings, error) {
	or := orDefault(getenv)
	s := Settings{Dir: dir, Platforms: platform.Default, BaseImage: or("BASE_IMAGE", "static"), Licenses: or("IMAGE_LICENSES", "NOASSERTION")}
	src := make(chan string, 1) // asks git while buildVersion does
	go func() { src <- source(ctx, dir, getenv) }()
	var err error
	if s.Version, err = buildVersion(ctx, dir, getenv); err != nil {
		return Settings{}, err
	}
	if p := getenv("PLATFORMS"); p != "" {
		if s.Platforms, err = platform.ParseList(p, "PLATFORMS"); err != nil {
			return Settings{}, err
		}
	}
	if s.Compression, err = layer.ParseCompression(or("COMPRESSION", "gzip")); err != nil {
		return Settings{}, fmt.Errorf("COMPRESSION: %w", err)
	}
	if s.Image, err = repository(getenv); err != nil {
		return Settings{}, err
	}
	s.Insecure = insecure(getenv)
	s.Source = <-src
	return s, nil
}

// Metadata is what the image says about itself.
func (s Settings) Metadata() image.Metadata {
	return image.Metadata{
		Title:       contract.Name,
		Description: "DevOps course info service",
		Version:     s.Version.Version,
		Revision:    s.Version.Commit,
		Source:      s.Source,
		Licenses:    s.Licenses,
		Created:     s.Version.Time,
	}
}

// SBOMs is what build's SBOMs are made from: the base b and the binaries
// built.
func (s Settings) SBOMs(b *base.Base, built []binary.Artifact) sbom.Build {
	return sbom.Build{Dir: s.SBOMDir(), Binaries: built, Base: b, Version: s.Version.Version,
		Commit: s.Version.Commit, Source: s.Source, Created: s.Version.Time}
}

// SBOMDir is where build writes each platform's SBOM.
func (s Settings) SBOMDir() string { return s.Dist().SBOMs() }

// Dist is the checkout's dist/, where the pipeline writes.
func (s Settings) Dist() Dist { return DistIn(s.Dir) }

// Outputs are where build writes the image: dist/oci, and dist/image.tar
// when the local platform is among those built (else an old one is
// removed), tagged IMAGE:VERSION and IMAGE:latest.
func (s Settings) Outputs() ocilayout.Outputs {
	out := ocilayout.Outputs{Layout: s.Dist().Layout(), RefName: s.Version.Version, Tarball: s.Dist().Tarball()}
	for _, p := range s.Platforms {
		out.Also = append(out.Also, filepath.Join(s.SBOMDir(), platform.Dir(p)+".spdx.json"))
	}
	if local := platform.Local(); slices.ContainsFunc(s.Platforms, local.Equals) {
		// latest too, whatever the version, so that `docker run IMAGE`
		// finds what `docker load -i dist/image.tar` loaded.
		out.TarballTags = []string{s.TagName(s.Version.Version)}
		if s.Version.Version != name.DefaultTag {
			out.TarballTags = append(out.TarballTags, s.TagName(name.DefaultTag))
		}
		out.TarballPlatform = local
	}
	return out
}

// TagName is IMAGE:tag with its registry always written out, Docker Hub's
// as docker.io ("docker.io/lehus1/devops-info-service-go:1.2.3"), so that
// both `docker load` and `podman load` name the image the way their pull
// of IMAGE:tag would: docker reads docker.io/lehus1/x as lehus1/x (and
// shows it so), while podman keeps a name as written and puts localhost/
// before one without a registry.
func (s Settings) TagName(tag string) string {
	if s.Image.RegistryStr() == name.DefaultRegistry {
		return "docker.io/" + s.Image.RepositoryStr() + ":" + tag
	}
	return s.Image.Name() + ":" + tag
}
