package sizes

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

// Report is a comparison of an image with a baseline, per platform. Its
// JSON form is dist/sizecompare.json; Schema changes when a field's
// meaning does.
type Report struct {
	Schema      int          `json:"schema"`
	Comparisons []Comparison `json:"comparisons"`
	Limits      Limits       `json:"limits"`
	// Breaches says which limits the image breaks, one line each.
	Breaches []string `json:"breaches"`
	// Warnings says, one line each, what a reader must know before
	// trusting the figures: that the baseline's are recorded ones because
	// its registry refused or could not be reached, and why.
	Warnings []string `json:"warnings"`
}

// Comparison is one platform's figures.
type Comparison struct {
	Platform string `json:"platform"`
	Image    Image  `json:"image"`
	Baseline Image  `json:"baseline"`
	// CompressedRatio is how many times smaller the image is to pull.
	CompressedRatio float64 `json:"compressed_ratio"`
	// UncompressedRatio is how many times smaller it is on disk; nil where
	// either side's on-disk size is unknown.
	UncompressedRatio *float64 `json:"uncompressed_ratio"`
}

// Limits are the gate's limits; zero turns one off.
type Limits struct {
	MaxCompressed int64   `json:"max_compressed_bytes"`
	MinRatio      float64 `json:"min_compressed_ratio"`
}

type options struct {
	depth    Depth
	log      io.Writer
	registry *registryhttp.Client
	strict   bool
	interval time.Duration
	// recorded finds a baseline's recorded figures; tests point it at
	// figures for a registry on 127.0.0.1.
	recorded func(ref string) (*Record, bool)
}

// Option changes how Compare works.
type Option func(*options)

// WithLog sets where notes, warnings and progress go. Default nowhere.
func WithLog(w io.Writer) Option { return func(o *options) { o.log = w } }

// WithRegistry sets how registries are reached (credentials, plain HTTP,
// transport); Compare spares pulls with it (registryhttp's
// SparingPulls). Default registryhttp.New(registryhttp.Config{}): docker's
// keychain, HTTPS but to this machine.
func WithRegistry(c *registryhttp.Client) Option { return func(o *options) { o.registry = c } }

// Compare measures req's image and baseline for each of its platforms
// (all of the image's when it names none), as deep as it asks. A baseline
// registry that cannot be reached, or that refuses for its rate limit,
// gives way to the figures the project records for it, where it has them,
// with a warning in the report, unless req.Strict.
func Compare(ctx context.Context, req Request, opts ...Option) (_ Report, err error) {
	o := options{depth: req.Depth, strict: req.Strict, log: io.Discard, registry: registryhttp.New(registryhttp.Config{}), interval: 2 * time.Second, recorded: Recorded}
	for _, opt := range opts {
		opt(&o)
	}
	// Each manifest read counts against a pull quota: a rate-limited
	// baseline gives way to its recorded figures at once.
	o.registry = o.registry.SparingPulls()
	// A registry may echo the credentials it was sent: none leaves here.
	defer func() { err = o.registry.Redact(err) }()
	o.log = redactingWriter{o.log, o.registry}
	img, err := Open(ctx, req.Image, o.registry)
	if err != nil {
		return Report{}, fmt.Errorf("image: %w", err)
	}
	base, err := openBaseline(ctx, req.Baseline, o)
	if err != nil {
		return Report{}, fmt.Errorf("baseline: %w", err)
	}
	platforms := req.Platforms
	if len(platforms) == 0 {
		if platforms, err = img.Platforms(); err != nil {
			return Report{}, err
		}
	}
	r := Report{Schema: 1, Breaches: []string{}, Warnings: []string{}}
	for _, p := range platforms {
		c := Comparison{Platform: platform.Label(p)}
		if c.Image, err = measureSource(ctx, img, p, o); err != nil {
			return Report{}, fmt.Errorf("image: %w", err)
		}
		if c.Baseline, err = base.measure(ctx, p); err != nil {
			return Report{}, fmt.Errorf("baseline: %w", err)
		}
		if c.Image.Compressed > 0 {
			c.CompressedRatio = float64(c.Baseline.Compressed) / float64(c.Image.Compressed)
		}
		if c.Image.Uncompressed != nil && c.Baseline.Uncompressed != nil && *c.Image.Uncompressed > 0 {
			ratio := float64(*c.Baseline.Uncompressed) / float64(*c.Image.Uncompressed)
			c.UncompressedRatio = &ratio
		}
		r.Comparisons = append(r.Comparisons, c)
	}
	if base.warning != "" {
		// The report goes to dist/: no credential in it either.
		r.Warnings = append(r.Warnings, o.registry.RedactString(base.warning))
	}
	return r, nil
}

func measureSource(ctx context.Context, s *Source, p v1.Platform, o options) (Image, error) {
	img, err := s.Image(p)
	if err != nil {
		return Image{}, err
	}
	var read atomic.Int64
	done := make(chan struct{})
	if o.depth == Full && s.Origin == "registry" {
		go func() { // the layers come over the network: say how it goes
			t := time.NewTicker(o.interval)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					fmt.Fprintf(o.log, "measuring %s %s: %s unpacked so far\n", s.Name, platform.Label(p), MB(read.Load()))
				}
			}
		}()
	}
	m, err := Measure(ctx, img, o.depth, func(n int64) { read.Add(n) })
	close(done)
	if err != nil {
		return Image{}, fmt.Errorf("measuring %s %s: %w", s.Name, platform.Label(p), err)
	}
	m.Name, m.Platform, m.Origin = s.Name, platform.Label(p), s.Origin
	if s.estimated {
		m.CompressedEstimated = true
		m.Note = "the archive holds its layers uncompressed (as docker save writes them): the compressed sizes are estimates, a gzip of each layer"
	}
	return m, nil
}

// Check lists, one line each, the limits that r breaks.
func (r *Report) Check(l Limits) []string {
	r.Limits = l
	r.Breaches = []string{}
	for _, c := range r.Comparisons {
		if l.MaxCompressed > 0 && c.Image.Compressed > l.MaxCompressed {
			over := c.Image.Compressed - l.MaxCompressed
			r.Breaches = append(r.Breaches, fmt.Sprintf("MAX_SIZE: the %s image is %s compressed, %s (%.1f%%) over the limit of %s",
				c.Platform, MB(c.Image.Compressed), MB(over), 100*float64(over)/float64(l.MaxCompressed), MB(l.MaxCompressed)))
		}
		if l.MinRatio > 0 && c.CompressedRatio < l.MinRatio {
			r.Breaches = append(r.Breaches, fmt.Sprintf("MIN_RATIO: the %s image is %.1f times smaller than the baseline compressed, %.1f short of the %.1f required",
				c.Platform, c.CompressedRatio, l.MinRatio-c.CompressedRatio, l.MinRatio))
		}
	}
	return r.Breaches
}

// MB formats bytes as decimal megabytes with one decimal, as docker does.
func MB(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// redactingWriter writes what is written to it with every known secret
// replaced by "***".
type redactingWriter struct {
	w io.Writer
	r *registryhttp.Client
}

func (w redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.r.RedactString(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
