// Package base finds the image the service's layer goes on: the built-in
// static base, scratch, a local OCI layout or a registry image, kept in a
// cache shared by every build on the machine so later builds work offline;
// and says what a base puts in the image, for the SBOM.
package base

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

// Base is the image that the service's layer goes on top of.
type Base struct {
	// Name is the base as the user named it.
	Name string
	// Ref and Digest identify a base from a registry, for the image's
	// base.name and base.digest annotations; both are empty otherwise.
	Ref, Digest string
	// ID identifies the base's content, for deciding whether a build can be
	// reused.
	ID string

	compression layer.Compression
	static      func() (v1.Layer, error) // the static base's layer, made once
	index       v1.ImageIndex            // nil for single-image and built-in bases
	image       v1.Image                 // a single-platform base
}

type options struct {
	cacheDir string
	registry *registryhttp.Client
	log      io.Writer
	timeout  time.Duration
}

// Option changes how Resolve works.
type Option func(*options)

// WithCacheDir sets the OCI layout that keeps registry bases for offline
// builds. Default $XDG_CACHE_HOME/devops-info-service-go/bases (or the
// platform's user cache folder).
func WithCacheDir(dir string) Option { return func(o *options) { o.cacheDir = dir } }

// WithRegistry sets how registries are reached (credentials, plain HTTP,
// transport). Default registryhttp.New(registryhttp.Config{}): docker's
// keychain, HTTPS but to this machine.
func WithRegistry(c *registryhttp.Client) Option { return func(o *options) { o.registry = c } }

// WithLog sets where notes such as "using the cached copy" go. Default nowhere.
func WithLog(w io.Writer) Option { return func(o *options) { o.log = w } }

// WithPullTimeout bounds the registry lookup. Default 60 s.
func WithPullTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// DefaultCacheDir is where registry bases are kept between builds.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "devops-info-service-go", "bases")
}

// Resolve finds the base named by name: "static" (built in), "scratch"
// (empty), "oci:DIR[:TAG]" (a local OCI layout) or a registry reference,
// which is pulled and kept in the cache so later builds work offline.
func Resolve(ctx context.Context, nameArg string, c layer.Compression, opts ...Option) (_ *Base, err error) {
	o := options{cacheDir: DefaultCacheDir(), registry: registryhttp.New(registryhttp.Config{}), log: io.Discard, timeout: time.Minute}
	for _, opt := range opts {
		opt(&o)
	}
	// A registry may echo the credentials it was sent: none leaves here.
	defer func() { err = o.registry.Redact(err) }()
	b := &Base{Name: nameArg, compression: c}
	switch {
	case nameArg == "static":
		b.ID = "static " + caVersion() + " " + string(c)
		b.static = sync.OnceValues(func() (v1.Layer, error) { return staticLayer(c) })
		go b.static() // made while the service compiles; Image waits for it
		return b, nil
	case nameArg == "scratch":
		b.ID = "scratch"
		return b, nil
	case strings.HasPrefix(nameArg, "oci:"):
		return b, b.fromLayout(strings.TrimPrefix(nameArg, "oci:"))
	}
	ref, err := o.registry.Reference(nameArg)
	if err != nil {
		return nil, fmt.Errorf("base %q is not static, scratch, oci:DIR[:TAG] or an image reference: %w", nameArg, err)
	}
	return b, b.fromRegistry(ctx, ref, o)
}

func (b *Base) fromLayout(spec string) error {
	e, err := ocilayout.Find(spec)
	if err != nil {
		return fmt.Errorf("base: %w", err)
	}
	b.ID = "oci " + e.Digest.String()
	return b.set(e.Index, e.Descriptor)
}

// set takes the descriptor d of idx as the base.
func (b *Base) set(idx v1.ImageIndex, d v1.Descriptor) error {
	var err error
	if d.MediaType.IsIndex() {
		b.index, err = idx.ImageIndex(d.Digest)
	} else {
		b.image, err = idx.Image(d.Digest)
	}
	if err != nil {
		return fmt.Errorf("reading base %s: %w", b.Name, err)
	}
	return nil
}

func (b *Base) fromRegistry(ctx context.Context, ref name.Reference, o options) error {
	b.Ref = ref.Name()
	cache, cacheErr := openCache(o.cacheDir)
	// A digest names fixed content: a cached copy is as good as the
	// registry's, once its blobs are checked; a damaged one is fetched anew.
	if d, ok := ref.(name.Digest); ok && cacheErr == nil {
		if desc, ok := cache.find(d.DigestStr(), ""); ok && cache.verify(desc) == nil {
			return b.fromCache(cache, desc)
		}
	}
	pullCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	desc, err := remote.Get(ref, o.registry.Options(pullCtx)...)
	if err != nil {
		return b.offline(ref, cache, cacheErr, err, o)
	}
	b.Digest, b.ID = desc.Digest.String(), "registry "+desc.Digest.String()
	var pulled mutate.Appendable
	if desc.MediaType.IsIndex() {
		b.index, err = desc.ImageIndex()
		pulled = b.index
	} else {
		b.image, err = desc.Image()
		pulled = b.image
	}
	if err != nil {
		return fmt.Errorf("pulling base %s: %w", ref.Name(), err)
	}
	if cacheErr == nil {
		cacheErr = cache.put(ref.Name(), pulled)
	}
	if cacheErr != nil {
		fmt.Fprintf(o.log, "base %s: not cached for offline use: %v\n", ref.Name(), o.registry.Redact(cacheErr))
	} else if cached, ok := cache.find(desc.Digest.String(), ""); ok {
		// Read it back from the cache: the build then reads local files,
		// not the network; put has just renamed every blob in whole.
		if err := cache.verify(cached); err != nil {
			return err
		}
		return b.set(cache.index, cached)
	}
	return nil
}

// offline is what a failed pull of ref leaves: the cached copy when the
// registry cannot be reached at all (and the build says so), else the
// error naming the base. A registry that answered with a refusal (a
// deleted tag, revoked credentials) or whose certificate is not trusted
// was reached: a cached copy would hide that, and may be stale.
func (b *Base) offline(ref name.Reference, cache *cache, cacheErr, err error, o options) error {
	if !registryhttp.Unreachable(err) {
		return fmt.Errorf("pulling base %s: %w", ref.Name(), err)
	}
	digest := "" // a digest names its content whatever the cache calls it
	if d, ok := ref.(name.Digest); ok {
		digest = d.DigestStr()
	}
	if cacheErr == nil {
		if cached, ok := cache.find(digest, ref.Name()); ok {
			if verr := cache.verify(cached); verr != nil {
				return fmt.Errorf("base %s: registry unreachable (%v), and %w", ref.Name(), shortErr(err), verr)
			}
			fmt.Fprintf(o.log, "base %s: registry unreachable (%v); using the cached copy %s\n", ref.Name(), o.registry.Redact(errors.New(shortErr(err))), cached.Digest)
			return b.fromCache(cache, cached)
		}
	}
	return fmt.Errorf("pulling base %s: registry unreachable: %w (no cached copy in %s; BASE_IMAGE=static builds without a registry)", ref.Name(), err, o.cacheDir)
}

// fromCache takes the cached base desc.
func (b *Base) fromCache(c *cache, desc v1.Descriptor) error {
	b.Digest, b.ID = desc.Digest.String(), "registry "+desc.Digest.String()
	return b.set(c.index, desc)
}

// shortErr is the last part of a long network error, which is the useful one.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s) > 120 {
		return s[i+2:]
	}
	return s
}

// Compression is how the layers made on this base are compressed.
func (b *Base) Compression() layer.Compression { return b.compression }

// Check makes sure the base has an image for every platform, so that a
// build fails before anything is compiled or written. The static base has
// every platform, and its layer is not waited for.
func (b *Base) Check(ps []v1.Platform) error {
	if b.static != nil {
		return nil
	}
	for _, p := range ps {
		if _, err := b.Image(p); err != nil {
			return err
		}
	}
	return nil
}

// Image is the base for platform p.
func (b *Base) Image(p v1.Platform) (v1.Image, error) {
	switch {
	case b.Name == "static":
		l, err := b.static()
		if err != nil {
			return nil, err
		}
		return staticBase(p, l)
	case b.Name == "scratch":
		return scratchBase(p)
	case b.image != nil:
		cf, err := b.image.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("reading base %s: %w", b.Name, err)
		}
		if cf.OS != p.OS || cf.Architecture != p.Architecture {
			return nil, fmt.Errorf("base %s has no %s image (it has: %s/%s)", b.Name, p, cf.OS, cf.Architecture)
		}
		return b.image, nil
	}
	d, err := platform.Find(b.index, p)
	if err != nil {
		return nil, fmt.Errorf("base %s %w", b.Name, err)
	}
	img, err := b.index.Image(d.Digest)
	if err != nil {
		return nil, fmt.Errorf("reading base %s for %s: %w", b.Name, p, err)
	}
	return img, nil
}
