// Package dist builds what `go tool mage build` leaves in dist/: the
// binaries, the multi-platform image in an OCI layout with each platform's
// SBOM attached, the SBOMs, and the local platform's tarball. It is the
// one composition of the build's steps (binaries → image → SBOMs →
// layout), for the magefile and for every test that needs a built image.
package dist

import (
	"context"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
	"github.com/lehus1/devops-info-service-go/internal/settings"
)

type options struct {
	module string
}

// Option changes where Build takes its sources from.
type Option func(*options)

// WithModule sets the module whose service is compiled. Default cfg.Dir,
// the checkout whose dist/ is written; a test compiles the repository
// into a folder of its own.
func WithModule(dir string) Option { return func(o *options) { o.module = dir } }

// Build compiles the service for cfg's platforms on the base b (checked
// to have them) and writes the outputs under cfg.Dir: binaries in
// dist/bin, then Assemble's, then it prunes SBOMs of platforms no longer
// built. It returns the index digest; progress goes to log. The caller
// holds ocilayout.Lock when others may build into the same folder.
func Build(ctx context.Context, cfg settings.Settings, b *base.Base, log io.Writer, opts ...Option) (v1.Hash, error) {
	o := options{module: cfg.Dir}
	for _, opt := range opts {
		opt(&o)
	}
	fmt.Fprintf(log, "building %s (commit %.12s, %s)\n", cfg.Version.Version, cfg.Version.Commit, cfg.Version.Time.Format(time.RFC3339))
	builder, err := binary.NewBuilder(ctx, o.module, cfg.Version, binary.WithOutput(cfg.Dist().Binaries()), binary.WithProgress(log))
	if err != nil {
		return v1.Hash{}, err
	}
	// Each platform's image is laid out as soon as its binary is new,
	// compressing its layer while the other platforms still compile; an
	// up-to-date binary waits, as the whole image is likely reused.
	built, imgs := make([]binary.Artifact, len(cfg.Platforms)), make([]v1.Image, len(cfg.Platforms))
	g, gctx := errgroup.WithContext(ctx)
	for i, p := range cfg.Platforms {
		g.Go(func() error {
			a, fresh, err := builder.Build(gctx, p)
			built[i] = a
			if err == nil && !fresh {
				imgs[i], err = image.ForPlatform(gctx, b, a, cfg.Metadata())
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return v1.Hash{}, err
	}
	digest, err := assemble(ctx, cfg, b, built, imgs, log)
	if err != nil {
		return v1.Hash{}, err
	}
	return digest, sbom.Prune(cfg.SBOMDir(), cfg.Platforms)
}

// Assemble is Build's second half, binaries → image → SBOMs → layout,
// each step handing its result to the next; the outputs are reused when
// they already hold the image of the same inputs. It returns the index
// digest.
func Assemble(ctx context.Context, cfg settings.Settings, b *base.Base, built []binary.Artifact, log io.Writer) (v1.Hash, error) {
	return assemble(ctx, cfg, b, built, make([]v1.Image, len(built)), log)
}

// assemble is Assemble with imgs[i], where not nil, the image of built[i]
// already made (image.ForPlatform).
func assemble(ctx context.Context, cfg settings.Settings, b *base.Base, built []binary.Artifact, imgs []v1.Image, log io.Writer) (v1.Hash, error) {
	start := time.Now()
	out, meta := cfg.Outputs(), cfg.Metadata()
	inputs, d, ok := image.Reusable(b, built, meta, out)
	if ok {
		fmt.Fprintf(log, "image unchanged: reusing %s\n", out.Layout)
		return d, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, img := range imgs {
		if img == nil {
			g.Go(func() (err error) {
				imgs[i], err = image.ForPlatform(gctx, b, built[i], meta)
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		return v1.Hash{}, err
	}
	idx := image.Index(b, built, imgs, meta)
	sboms, err := cfg.SBOMs(b, built).Attachments(idx)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := ocilayout.Write(idx, out, inputs, sboms...); err != nil {
		return v1.Hash{}, err
	}
	fmt.Fprintf(log, "assembled %d platform(s) on base %s in %.2fs: %s\n", len(built), b.Name, time.Since(start).Seconds(), out)
	return idx.Digest()
}
