package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/container"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

// InContainer runs each version as run does: an image assembled on b from
// the new binary, with meta, started under runc with run's confinement and
// published on 127.0.0.1. It needs Linux, root and runc, and says so
// otherwise.
func InContainer(b *base.Base, meta image.Metadata) (Runner, error) {
	if err := container.Available(); err != nil {
		return nil, fmt.Errorf("DEV_CONTAINER=1: %w", err)
	}
	return containerRunner{base: b, meta: meta}, nil
}

type containerRunner struct {
	base *base.Base
	meta image.Metadata
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
	c, err := container.Start(img, container.WithPublish(port), container.WithOutput(logs))
	if err != nil {
		return nil, err
	}
	return inContainer{c}, nil
}

type inContainer struct{ c *container.Container }

func (i inContainer) Done() <-chan struct{} { return i.c.Done() }

func (i inContainer) Exited() string {
	return fmt.Sprintf("container %s, exit status %d", i.c.ID, i.c.ExitCode())
}

func (i inContainer) Stop(grace time.Duration) error {
	_, err := i.c.Stop(grace)
	return errors.Join(err, i.c.Remove())
}
