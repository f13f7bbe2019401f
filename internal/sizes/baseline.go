package sizes

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

// baseline is where the baseline's figures come from: measured at its
// source or, once the source cannot be had, the recorded figures.
type baseline struct {
	spec string
	src  *Source
	rec  *Record
	o    options
	// warning says why the recorded figures stand in; "" when they were
	// asked for, or do not.
	warning string
}

// openBaseline opens spec; "recorded:NAME" is NAME's recorded figures,
// on purpose, with no request at all.
func openBaseline(ctx context.Context, spec string, o options) (*baseline, error) {
	b := &baseline{spec: spec, o: o}
	if name, ok := strings.CutPrefix(spec, "recorded:"); ok {
		if b.rec, ok = o.recorded(name); !ok {
			return nil, fmt.Errorf("no figures are recorded for %q (the project records python:3.13-slim)", name)
		}
		return b, nil
	}
	src, err := Open(ctx, spec, o.registry)
	if err != nil {
		if err := b.fallBack(err); err != nil {
			return nil, err
		}
		return b, nil
	}
	b.src = src
	return b, nil
}

// measure is the baseline's figures for platform. A refusal while
// measuring (a platform's manifest, a layer) falls back as one at opening
// does, for this platform and the rest: asking again would only spend more
// of the quota.
func (b *baseline) measure(ctx context.Context, platform v1.Platform) (Image, error) {
	if b.rec == nil {
		img, err := measureSource(ctx, b.src, platform, b.o)
		if err == nil {
			return img, nil
		}
		if err := b.fallBack(err); err != nil {
			return Image{}, err
		}
	}
	return b.rec.Image(platform)
}

// fallBack turns to the recorded figures when err is an unreachable
// registry or a rate limit and the project records the baseline; it
// returns err otherwise, or when strict.
func (b *baseline) fallBack(err error) error {
	why := b.why(err)
	rec, ok := b.o.recorded(b.spec)
	if why == "" || !ok {
		return err
	}
	if b.o.strict {
		return fmt.Errorf("%s, and BASELINE_STRICT is set, so the recorded figures do not stand in: %w", why, err)
	}
	b.rec = rec
	// Said once, with the figures it qualifies (Report.Warnings), not on
	// the log as well.
	b.warning = fmt.Sprintf("baseline %s: recorded figures, not measured: %s", b.spec, why)
	return nil
}

// why says why err allows the fallback; "" when it does not.
func (b *baseline) why(err error) string {
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return fmt.Sprintf("registry unreachable (%v)", ue.Err)
	}
	ref, perr := name.ParseReference(strings.TrimPrefix(b.spec, "docker://"))
	if perr != nil {
		return ""
	}
	reg := ref.Context().RegistryStr()
	status, ok := registryhttp.Exceeded(err, reg)
	if !ok {
		return ""
	}
	how := ""
	if status == http.StatusTooManyRequests && b.o.registry.Refusal() != "" {
		how = ", " + b.o.registry.Refusal()
	}
	auth, aerr := b.o.registry.Keychain().Resolve(ref.Context())
	if aerr != nil || auth == authn.Anonymous {
		return fmt.Sprintf("%s refused the anonymous pull for its rate limit (%d %s%s); log in to %s for a higher limit (docker login, or REGISTRY_USERNAME and REGISTRY_PASSWORD when IMAGE is there)",
			reg, status, http.StatusText(status), how, reg)
	}
	return fmt.Sprintf("%s refused the pull for its rate limit (%d %s%s)", reg, status, http.StatusText(status), how)
}
