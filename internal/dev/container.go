package dev

import (
	"context"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

// InContainer runs each version as run does: an image assembled on b from
// the new binary, with meta, started with the engine c chose (runc,
// Docker or Podman) with run's confinement and published on 127.0.0.1.
// It checks first that the engine can run a container here, and says so
// otherwise.
func InContainer(ctx context.Context, c engine.Choice, b *base.Base, meta image.Metadata, logs io.Writer) (Runner, error) {
	if err := engine.Prepare(ctx, c, logs); err != nil {
		return nil, fmt.Errorf("DEV_CONTAINER=1: %w", err)
	}
	return containerRunner{choice: c, base: b, meta: meta}, nil
}

type containerRunner struct {
	choice engine.Choice
	base   *base.Base
	meta   image.Metadata
}

// Platform is the image's: Linux on this machine's architecture.
func (containerRunner) Platform() v1.Platform { return platform.Local() }

func (r containerRunner) Start(ctx context.Context, bin string, port int, logs io.Writer) (Instance, error) {
	sum, err := fileSum(bin)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(bin)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", bin, err)
	}
	p := r.Platform()
	idx, err := image.Assemble(ctx, r.base, []binary.Artifact{{Platform: p, Path: bin, SHA256: sum, Size: fi.Size()}}, r.meta)
	if err != nil {
		return nil, err
	}
	img, err := platform.Image(idx, p)
	if err != nil {
		return nil, fmt.Errorf("the image %w", err)
	}
	return engine.Start(ctx, r.choice, img, port, logs)
}
