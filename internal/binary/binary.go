// Package binary builds the service's executables: static, stamped with
// their version, and byte-for-byte the same from any clean clone.
package binary

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/version"
)

// Artifact is one built executable.
type Artifact struct {
	Platform v1.Platform
	Path     string
	SHA256   string
	Size     int64
}

type options struct {
	pkg       string
	name      string
	output    string
	platforms []v1.Platform
	progress  io.Writer
}

// Option changes how Build works.
type Option func(*options)

// WithPackage sets the main package to build. Default "./app".
func WithPackage(pkg string) Option { return func(o *options) { o.pkg = pkg } }

// WithName sets the executable's file name. Default "devops-info-service".
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithOutput sets the folder that gets one <os>_<arch> folder per platform.
// Default "dist/bin" under the module.
func WithOutput(dir string) Option { return func(o *options) { o.output = dir } }

// WithPlatforms sets the targets. Default platform.Default.
func WithPlatforms(ps ...v1.Platform) Option { return func(o *options) { o.platforms = ps } }

// WithProgress sets where a line per platform goes as it is built.
// Default nowhere.
func WithProgress(w io.Writer) Option { return func(o *options) { o.progress = w } }

// Build compiles the module in dir for each platform. Each executable is
// written beside its final path and renamed into place, so an interrupted
// build leaves the previous one whole.
func Build(ctx context.Context, dir string, info version.Info, opts ...Option) ([]Artifact, error) {
	b, err := NewBuilder(ctx, dir, info, opts...)
	if err != nil {
		return nil, err
	}
	// One go build per platform, side by side: each spends much of its time
	// in the single-threaded link.
	out := make([]Artifact, len(b.o.platforms))
	g, ctx := errgroup.WithContext(ctx)
	for i, p := range b.o.platforms {
		g.Go(func() (err error) {
			out[i], _, err = b.Build(ctx, p)
			return err
		})
	}
	return out, g.Wait()
}

// Builder is Build one platform at a time, for a caller that goes on with
// each binary as soon as it is there (dist lays out a platform's image
// while the next one links). WithPlatforms does not apply.
type Builder struct {
	dir  string
	info version.Info
	o    options
	env  buildEnv
	mu   sync.Mutex // one progress line at a time
}

// NewBuilder is a Builder of the module in dir. It reads the toolchain now
// and the go env when a go command is first to run.
func NewBuilder(ctx context.Context, dir string, info version.Info, opts ...Option) (*Builder, error) {
	o := options{pkg: "./app", name: contract.Name, output: filepath.Join(dir, "dist", "bin"), platforms: platform.Default, progress: io.Discard}
	for _, opt := range opts {
		opt(&o)
	}
	env, err := pinnedEnv(ctx, dir)
	if err != nil {
		return nil, err
	}
	return &Builder{dir: dir, info: info, o: o, env: env}, nil
}

// Build compiles p's executable, or finds it up to date (fresh), and
// writes a progress line saying which.
func (b *Builder) Build(ctx context.Context, p v1.Platform) (a Artifact, fresh bool, err error) {
	start := time.Now()
	if a, fresh, err = b.buildOne(ctx, p); err != nil {
		return Artifact{}, false, fmt.Errorf("building %s: %w", platform.Name(p), err)
	}
	what := "built"
	if fresh {
		what = "up to date"
	}
	b.mu.Lock()
	fmt.Fprintf(b.o.progress, "%s %s in %.1fs: %s (%.1f MB)\n", what, platform.Name(p), time.Since(start).Seconds(), a.Path, float64(a.Size)/1e6)
	b.mu.Unlock()
	return a, fresh, nil
}

func (b *Builder) buildOne(ctx context.Context, p v1.Platform) (Artifact, bool, error) {
	final := filepath.Join(b.o.output, platform.Dir(p), b.o.name)
	flags := Flags(b.info)
	prev := readRecord(final)
	lst, err := listPackages(ctx, b.dir, b.o.pkg, b.env.pinned(p), prev.list, func() ([]string, error) { return b.env.command(p) })
	if err != nil {
		return Artifact{}, false, err
	}
	fp, src, err := fingerprint(b.dir, flags, b.env.pinned(p), lst)
	if err != nil {
		return Artifact{}, false, err
	}
	// What a build stopped mid-way left here (callers let one build at a
	// time write the output folder, so none of it is another's).
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(final), ".build-*")); len(left) > 0 {
		for _, l := range left {
			os.RemoveAll(l)
		}
	}
	if a, ok := upToDate(final, fp, p, prev); ok {
		if lst != prev.list { // go list ran: keep its answer for next time
			writeRecord(a, fp, lst)
		}
		return a, true, nil
	}
	env, err := b.env.command(p)
	if err != nil {
		return Artifact{}, false, err
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return Artifact{}, false, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(final), ".build-")
	if err != nil {
		return Artifact{}, false, err
	}
	defer os.RemoveAll(tmp)

	built, err := compile(ctx, b.dir, env, tmp, src, flags, b.info, b.o)
	if err != nil {
		return Artifact{}, false, err
	}
	if err := os.Rename(built, final); err != nil {
		return Artifact{}, false, err
	}
	sum, size, err := hashFile(final)
	if err != nil {
		return Artifact{}, false, err
	}
	a := Artifact{Platform: p, Path: final, SHA256: sum, Size: size}
	// The compile read the sources after fp was taken: an edit saved in
	// between, then undone, would leave the edited binary recorded as
	// fp's. So it is recorded only if the sources still hash to fp; else
	// the next build compiles again.
	if after, _, err := fingerprint(b.dir, flags, b.env.pinned(p), lst); err != nil || after != fp {
		os.Remove(sidecar(final))
		return a, false, nil
	}
	if err := writeRecord(a, fp, lst); err != nil {
		return Artifact{}, false, err
	}
	return a, false, nil
}

// Flags are the go build flags of a release build: no paths of this
// machine, no VCS stamp or build ID that differ between clones, no symbols,
// and the build's identity in main's variables.
func Flags(info version.Info) []string {
	return []string{
		"-trimpath",
		"-buildvcs=false",
		"-ldflags=" + strings.Join([]string{
			"-s", "-w", "-buildid=",
			"-X", "main.version=" + info.Version,
			"-X", "main.commit=" + info.Commit,
			"-X", "main.buildDate=" + info.Time.UTC().Format(time.RFC3339),
		}, " "),
	}
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
