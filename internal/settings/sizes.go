package settings

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/sizes"
)

// Sizes reads what sizecompare measures: IMAGE_REF (default oci:dist/oci),
// BASELINE (default python:3.13-slim), SIZE_PLATFORMS (default host; "all"
// for every platform of the image; the old name PLATFORM still works, with
// a warning to warn), MEASURE (full or compressed; default full, compressed where
// CI=true), MAX_SIZE (default 20MB compressed; 0 turns it off), MIN_RATIO
// (default off) and BASELINE_STRICT (default 0).
//
// CI measures compressed by default because the gate, MAX_SIZE and
// MIN_RATIO, reads compressed sizes only: there the on-disk figures and
// waste would cost a download of the baseline's layers (43 MB from Docker
// Hub for python:3.13-slim) on every run and change no verdict.
func Sizes(getenv func(string) string, host string, warn io.Writer) (sizes.Request, error) {
	or := orDefault(getenv)
	r := sizes.Request{Image: or("IMAGE_REF", "oci:dist/oci"), Baseline: or("BASELINE", sizes.DefaultBaseline)}
	p := renamed(getenv, "SIZE_PLATFORMS", "PLATFORM", warn)
	if p == "" {
		p = host
	}
	switch p {
	case "all":
	default:
		for _, s := range strings.Split(p, ",") {
			s = strings.TrimSpace(s)
			if parts := strings.Split(s, "/"); len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
				return sizes.Request{}, fmt.Errorf("SIZE_PLATFORMS %q is not os/arch[/variant] (such as linux/arm64 or linux/arm/v7), a list of them, or all", s)
			}
			r.Platforms = append(r.Platforms, s)
		}
	}
	measure := "full"
	if ReadCI(getenv).Enabled {
		measure = "compressed"
	}
	switch m := or("MEASURE", measure); m {
	case "full":
		r.Depth = sizes.Full
	case "compressed":
		r.Depth = sizes.Manifests
	default:
		return sizes.Request{}, fmt.Errorf("MEASURE %q is not full or compressed", m)
	}
	var err error
	if r.Limits.MaxCompressed, err = sizes.ParseSize(or("MAX_SIZE", "20MB")); err != nil {
		return sizes.Request{}, fmt.Errorf("MAX_SIZE: %w", err)
	}
	if s := getenv("MIN_RATIO"); s != "" {
		if r.Limits.MinRatio, err = strconv.ParseFloat(strings.TrimSuffix(s, "x"), 64); err != nil || r.Limits.MinRatio < 0 || math.IsNaN(r.Limits.MinRatio) || math.IsInf(r.Limits.MinRatio, 0) {
			return sizes.Request{}, fmt.Errorf("MIN_RATIO %q is not a number such as 10", s)
		}
	}
	switch v := or("BASELINE_STRICT", "0"); v {
	case "1", "true":
		r.Strict = true
	case "0", "false":
	default:
		return sizes.Request{}, fmt.Errorf("BASELINE_STRICT %q is not 1 or 0", v)
	}
	return r, nil
}
