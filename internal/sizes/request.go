package sizes

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Request is a comparison as the environment asks for it.
type Request struct {
	Image, Baseline string
	// Platforms to compare; empty means all of the image's.
	Platforms []string
	Depth     Depth
	Limits    Limits
	// Strict makes a fallback to the recorded baseline an error.
	Strict bool
}

// DefaultBaseline is the base image of the service's Python twin: the
// smallest any Python build of the service can be.
const DefaultBaseline = "python:3.13-slim"

// RequestFromEnv reads IMAGE_REF (default oci:dist/oci), BASELINE (default
// python:3.13-slim), PLATFORM (default host; "all" for every platform of the
// image), MEASURE (full or compressed; default full, compressed where
// CI=true), MAX_SIZE (default 20MB compressed; 0 turns it off), MIN_RATIO
// (default off) and BASELINE_STRICT (default 0).
//
// CI measures compressed by default because the gate, MAX_SIZE and
// MIN_RATIO, reads compressed sizes only: there the on-disk figures and
// waste would cost a download of the baseline's layers (43 MB from Docker
// Hub for python:3.13-slim) on every run and change no verdict.
func RequestFromEnv(getenv func(string) string, host string) (Request, error) {
	or := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	r := Request{Image: or("IMAGE_REF", "oci:dist/oci"), Baseline: or("BASELINE", DefaultBaseline)}
	switch p := or("PLATFORM", host); p {
	case "all":
	default:
		for _, s := range strings.Split(p, ",") {
			s = strings.TrimSpace(s)
			if parts := strings.Split(s, "/"); len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
				return Request{}, fmt.Errorf("PLATFORM %q is not os/arch[/variant] (such as linux/arm64 or linux/arm/v7), a list of them, or all", s)
			}
			r.Platforms = append(r.Platforms, s)
		}
	}
	measure := "full"
	if getenv("CI") == "true" {
		measure = "compressed"
	}
	switch m := or("MEASURE", measure); m {
	case "full":
		r.Depth = Full
	case "compressed":
		r.Depth = Manifests
	default:
		return Request{}, fmt.Errorf("MEASURE %q is not full or compressed", m)
	}
	var err error
	if r.Limits.MaxCompressed, err = ParseSize(or("MAX_SIZE", "20MB")); err != nil {
		return Request{}, fmt.Errorf("MAX_SIZE: %w", err)
	}
	if s := getenv("MIN_RATIO"); s != "" {
		if r.Limits.MinRatio, err = strconv.ParseFloat(strings.TrimSuffix(s, "x"), 64); err != nil || r.Limits.MinRatio < 0 || math.IsNaN(r.Limits.MinRatio) || math.IsInf(r.Limits.MinRatio, 0) {
			return Request{}, fmt.Errorf("MIN_RATIO %q is not a number such as 10", s)
		}
	}
	switch v := or("BASELINE_STRICT", "0"); v {
	case "1", "true":
		r.Strict = true
	case "0", "false":
	default:
		return Request{}, fmt.Errorf("BASELINE_STRICT %q is not 1 or 0", v)
	}
	return r, nil
}

// Options are the Compare options the request asks for.
func (r Request) Options() []Option {
	return []Option{WithDepth(r.Depth), WithStrict(r.Strict)}
}
