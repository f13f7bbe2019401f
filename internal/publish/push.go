// Package publish pushes the image that build made to a registry: every
// blob, manifest and the index first, the tags last, so that a failure
// part-way leaves no tag on an incomplete image. A flaky registry is
// retried per request (registryhttp's one retry).
package publish

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

type options struct {
	registry  *registryhttp.Client
	progress  io.Writer
	artifacts []ocilayout.Artifact
	terminal  bool
	interval  time.Duration
}

// Option changes how Push works.
type Option func(*options)

// WithRegistry sets how the registry is reached: credentials, plain HTTP,
// transport, retries. Default registryhttp.New(registryhttp.Config{}):
// docker's keychain, HTTPS but to this machine.
func WithRegistry(c *registryhttp.Client) Option { return func(o *options) { o.registry = c } }

// WithProgress sets where progress goes, and whether it is a terminal (one
// line redrawn) or not (a line every few seconds). Default nowhere.
func WithProgress(w io.Writer, terminal bool) Option {
	return func(o *options) { o.progress, o.terminal = w, terminal }
}

// withInterval is for tests that want every progress line.
func withInterval(d time.Duration) Option { return func(o *options) { o.interval = d } }

func newOptions(opts []Option) options {
	o := options{registry: registryhttp.New(registryhttp.Config{}), progress: io.Discard, interval: 5 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Result is what a push did.
type Result struct {
	// Digest is repo@sha256:…, the index as pushed.
	Digest name.Digest
	Tags   []name.Tag
	// Attached are the pushed attachments (SBOMs, signatures, provenance),
	// by digest.
	Attached []name.Digest
}

// Push uploads idx to repo by digest, then its attachments (SBOMs,
// signatures, provenance, in the order given), then sets each tag, then
// reads every tag back to check it names the pushed digest and every
// attachment to check it is listed as a referrer. Blobs the registry has
// are not sent again.
func Push(ctx context.Context, idx v1.ImageIndex, repo name.Repository, tags []string, opts ...Option) (_ Result, err error) {
	o := newOptions(opts)
	defer o.redactErr(&err)
	d, err := idx.Digest()
	if err != nil {
		return Result{}, err
	}
	res := Result{Digest: repo.Digest(d.String())}
	progress := newProgress(o.progress, o.terminal, o.interval)
	updates := make(chan v1.Update, 64)
	done := progress.follow(updates)
	err = remote.WriteIndex(res.Digest, mountable(idx, repo), append(o.registry.Options(ctx), remote.WithProgress(updates))...)
	<-done
	progress.finish(progress.complete)
	if err != nil {
		return Result{}, fmt.Errorf("pushing %s: %w", res.Digest, err)
	}
	// One pusher and one puller for the tags and the read-back: the
	// registry is pinged and authenticated once, not once per tag.
	pusher, err := remote.NewPusher(o.registry.Options(ctx)...)
	if err != nil {
		return Result{}, err
	}
	puller, err := remote.NewPuller(o.registry.Options(ctx)...)
	if err != nil {
		return Result{}, err
	}
	reuse := append(o.registry.Options(ctx), remote.Reuse(pusher), remote.Reuse(puller))
	// Attachments (SBOMs) go up before any tag, like the image itself.
	type fallback struct {
		tag name.Tag
		art ocilayout.Artifact
	}
	var fallbacks []fallback
	for _, a := range o.artifacts {
		tag, needTag, err := pushArtifact(ctx, repo, a, reuse, o)
		if err != nil {
			return Result{}, err
		}
		if needTag {
			fallbacks = append(fallbacks, fallback{tag, a})
		}
		res.Attached = append(res.Attached, repo.Digest(a.Descriptor.Digest.String()))
	}
	for _, t := range tags {
		tag := repo.Tag(t)
		if err := remote.Tag(tag, idx, reuse...); err != nil {
			return Result{}, fmt.Errorf("tagging %s: %w", tag, err)
		}
		res.Tags = append(res.Tags, tag)
	}
	// For registries without the referrers API, also the tag that cosign
	// and friends look for: sha256-<image digest>.sbom.
	for _, f := range fallbacks {
		if err := remote.Put(f.tag, rawManifest{f.art.Manifest, f.art.Descriptor.MediaType}, reuse...); err != nil {
			return Result{}, fmt.Errorf("tagging %s: %w", f.tag, err)
		}
		res.Tags = append(res.Tags, f.tag)
	}
	for _, tag := range res.Tags[:len(tags)] {
		desc, err := remote.Head(tag, reuse...)
		if err != nil {
			return Result{}, fmt.Errorf("reading %s back: %w", tag, err)
		}
		if desc.Digest != d {
			return Result{}, fmt.Errorf("%s names %s after the push, not the pushed %s", tag, desc.Digest, d)
		}
	}
	if err := checkReferrers(repo, o.artifacts, reuse); err != nil {
		return Result{}, err
	}
	return res, nil
}
