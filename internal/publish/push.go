// Package publish pushes the image that build made to a registry: every
// blob, manifest and the index first, the tags last, so that a failure
// part-way leaves no tag on an incomplete image; a flaky registry is
// retried at the level that recovers.
package publish

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

type options struct {
	keychain  authn.Keychain
	transport http.RoundTripper
	progress  io.Writer
	attempts  int
	backoff   remote.Backoff
	redactor  *registryhttp.Redactor
	insecure  []string
	artifacts []ocilayout.Artifact
	terminal  bool
	interval  time.Duration
}

// Option changes how Push works.
type Option func(*options)

// WithKeychain sets the credentials. Default authn.DefaultKeychain.
func WithKeychain(k authn.Keychain) Option { return func(o *options) { o.keychain = k } }

// WithTransport sets the HTTP transport the requests go out by, under the
// rule every registry request follows (see WithInsecure). Default
// registryhttp's, with its timeouts.
func WithTransport(t http.RoundTripper) Option { return func(o *options) { o.transport = t } }

// WithProgress sets where progress goes, and whether it is a terminal (one
// line redrawn) or not (a line every few seconds). Default nowhere.
func WithProgress(w io.Writer, terminal bool) Option {
	return func(o *options) { o.progress, o.terminal = w, terminal }
}

// WithAttempts sets how many times a whole push is tried when a registry
// keeps failing after the per-request retries. Default 4.
func WithAttempts(n int) Option { return func(o *options) { o.attempts = n } }

// WithSecrets names strings that must never appear in an error, in any
// encoding; the credentials sent are added as they go. Default none.
func WithSecrets(s ...string) Option { return func(o *options) { o.redactor.Add(s...) } }

// withInterval is for tests that want every progress line.
func withInterval(d time.Duration) Option { return func(o *options) { o.interval = d } }

// withBackoff is for tests that cannot wait for the real one.
func withBackoff(b remote.Backoff) Option { return func(o *options) { o.backoff = b } }

func newOptions(opts []Option) options {
	o := options{
		keychain: authn.DefaultKeychain, redactor: registryhttp.NewRedactor(), progress: io.Discard, attempts: 4, interval: 5 * time.Second,
		// Per request: up to 6 tries, 0.5 s, 1 s, 2 s, 4 s, 8 s apart.
		backoff: remote.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 6},
	}
	for _, opt := range opts {
		opt(&o)
	}
	o.transport = o.wrap()
	return o
}

func (o options) remote(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx), remote.WithAuthFromKeychain(o.keychain), remote.WithTransport(o.transport),
		remote.WithRetryBackoff(o.backoff), remote.WithRetryPredicate(retryable),
		remote.WithRetryStatusCodes(http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout),
		remote.WithJobs(4),
	}
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
	err = o.retry(ctx, func(attempt int) error {
		// A pusher of its own per attempt: a reused pusher keeps the
		// options it was made with, and would drop this attempt's progress.
		updates := make(chan v1.Update, 64)
		done := progress.follow(updates)
		err := remote.WriteIndex(res.Digest, mountable(idx, repo), append(o.remote(ctx), remote.WithProgress(updates))...)
		<-done
		return err
	})
	progress.finish(progress.complete)
	if err != nil {
		return Result{}, fmt.Errorf("pushing %s: %w", res.Digest, err)
	}
	// One pusher and one puller for the tags and the read-back: the
	// registry is pinged and authenticated once, not once per tag.
	pusher, err := remote.NewPusher(o.remote(ctx)...)
	if err != nil {
		return Result{}, err
	}
	puller, err := remote.NewPuller(o.remote(ctx)...)
	if err != nil {
		return Result{}, err
	}
	reuse := append(o.remote(ctx), remote.Reuse(pusher), remote.Reuse(puller))
	// Attachments (SBOMs) go up before any tag, like the image itself.
	type fallback struct {
		tag name.Tag
		art ocilayout.Artifact
	}
	var fallbacks []fallback
	for _, a := range o.artifacts {
		var tag name.Tag
		var needTag bool
		err := o.retry(ctx, func(int) error {
			var err error
			tag, needTag, err = pushArtifact(ctx, repo, a, reuse, o)
			return err
		})
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
		if err := o.retry(ctx, func(int) error { return remote.Tag(tag, idx, reuse...) }); err != nil {
			return Result{}, fmt.Errorf("tagging %s: %w", tag, err)
		}
		res.Tags = append(res.Tags, tag)
	}
	// For registries without the referrers API, also the tag that cosign
	// and friends look for: sha256-<image digest>.sbom.
	for _, f := range fallbacks {
		if err := o.retry(ctx, func(int) error {
			return remote.Put(f.tag, rawManifest{f.art.Manifest, f.art.Descriptor.MediaType}, reuse...)
		}); err != nil {
			return Result{}, fmt.Errorf("tagging %s: %w", f.tag, err)
		}
		res.Tags = append(res.Tags, f.tag)
	}
	for _, tag := range res.Tags[:len(tags)] {
		var desc *v1.Descriptor
		err := o.retry(ctx, func(int) error {
			var err error
			desc, err = remote.Head(tag, reuse...)
			return err
		})
		if err != nil {
			return Result{}, fmt.Errorf("reading %s back: %w", tag, err)
		}
		if desc.Digest != d {
			return Result{}, fmt.Errorf("%s names %s after the push, not the pushed %s", tag, desc.Digest, d)
		}
	}
	if err := o.retry(ctx, func(int) error { return checkReferrers(repo, o.artifacts, reuse) }); err != nil {
		return Result{}, err
	}
	return res, nil
}

// retry runs f up to o.attempts times while it fails in a way that another
// try can mend; each try resumes where the last stopped, since the blobs
// already uploaded are found and skipped.
func (o options) retry(ctx context.Context, f func(attempt int) error) error {
	var err error
	wait := 2 * o.backoff.Duration
	for attempt := 1; attempt <= o.attempts; attempt++ {
		if err = f(attempt); err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
		if attempt < o.attempts {
			fmt.Fprintf(o.progress, "registry trouble (%v); trying again in %s (%d of %d)\n", o.redact(err), wait, attempt+1, o.attempts)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return ctx.Err()
			}
			wait *= 2
		}
	}
	return err
}

// retryable says whether another try can mend err: network trouble, or a
// registry that timed out, was overloaded or failed inside.
func retryable(err error) bool {
	// Only the user's cancel is final: a request that timed out (which
	// net/http also reports as DeadlineExceeded) deserves another try.
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	// A TLS or certificate failure is the same on every try (and a plain
	// HTTP registry answering a TLS hello must fail fast, so the client
	// falls back to HTTP at once).
	var rhe tls.RecordHeaderError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var refusal *registryhttp.RefusalError
	if errors.As(err, &rhe) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &refusal) {
		return false
	}
	// Everything else that reaches here is the network: resets, EOFs,
	// timeouts, a body cut short.
	return true
}
