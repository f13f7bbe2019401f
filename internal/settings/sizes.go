package settings

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

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
func Sizes(getenv func(string) string, host v1.Platform, warn io.Writer) (sizes.Request, error) {
	or := orDefault(getenv)
	r := sizes.Request{Image: or("IMAGE_REF", "oci:dist/oci"), Baseline: or("BASELINE", sizes.DefaultBaseline)}
	switch ps := renamed(getenv, "SIZE_PLATFORMS", "PLATFORM", warn); ps {
	case "":
		r.Platforms = []v1.Platform{host}
	case "all":
	default:
		for _, s := range strings.Split(ps, ",") {
			s = strings.TrimSpace(s)
			// os/arch[/variant] in full, as it reads back: not "arm64",
			// "linux/arm/" or an os.version after a colon.
			p, err := v1.ParsePlatform(s)
			if err != nil || p.OS == "" || p.Architecture == "" || p.String() != s {
				return sizes.Request{}, fmt.Errorf("SIZE_PLATFORMS %q is not os/arch[/variant] (such as linux/arm64 or linux/arm/v7), a list of them, or all", s)
			}
			r.Platforms = append(r.Platforms, *p)
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
	if r.Limits.MaxCompressed, err = parseSize(or("MAX_SIZE", "20MB")); err != nil {
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

// parseSize reads "20MB", "20 MB", "19.5MiB", "512KB" or a plain number
// of bytes. MB and KB are decimal, as docker counts; MiB and KiB binary.
// Only 0 may turn the gate off: NaN, infinities, sizes past int64 (which
// would wrap round to a negative limit) and sizes under one byte (which
// truncate to 0) are refused.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	units := []struct {
		suffix string
		mult   float64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	overflow := errors.Is(err, strconv.ErrRange) && math.IsInf(f, 1)
	if err != nil && !overflow || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) && !overflow {
		return 0, fmt.Errorf("%q is not a size such as 20MB, 19.5MiB or 20000000", s)
	}
	n := f * mult
	mantissa, _, _ := strings.Cut(t, "E")
	switch {
	case overflow || n >= math.MaxInt64:
		return 0, fmt.Errorf("%q is more than any image could be: give a size such as 20MB", s)
	case n < 1 && strings.ContainsAny(mantissa, "123456789"):
		return 0, fmt.Errorf("%q is less than one byte: give a size such as 20MB, or 0 to turn the limit off", s)
	}
	return int64(n), nil
}
