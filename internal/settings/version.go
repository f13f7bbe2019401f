package settings

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/version"
)

// lastSecond is 9999-12-31T23:59:59Z: JSON, and so an image's config,
// cannot hold a later time (encoding/json refuses years past 9999).
const lastSecond = 253402300799

// buildVersion is what git says of the checkout in dir (version.Detect)
// with what VERSION and SOURCE_DATE_EPOCH pin put over it.
func buildVersion(ctx context.Context, dir string, getenv func(string) string) (version.Info, error) {
	info, err := version.Detect(ctx, dir)
	if err != nil {
		return version.Info{}, err
	}
	if v := strings.TrimPrefix(getenv("VERSION"), "v"); v != "" {
		if err := version.Validate(v); err != nil {
			return version.Info{}, err
		}
		info.Version = v
	}
	if s := getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil || sec < 0 {
			return version.Info{}, fmt.Errorf("SOURCE_DATE_EPOCH must be whole seconds since 1970, got %q", s)
		}
		// A time that an image's JSON cannot hold is refused here, before
		// anything is compiled, not when the config is written.
		if sec > lastSecond {
			return version.Info{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is after the year 9999, which an image's JSON cannot hold: give seconds since 1970 up to %d", s, int64(lastSecond))
		}
		info.Time = time.Unix(sec, 0).UTC()
	}
	return info, nil
}

// source is IMAGE_SOURCE, else the public address of the checkout's
// origin remote (version.Source).
func source(ctx context.Context, dir string, getenv func(string) string) string {
	if s := getenv("IMAGE_SOURCE"); s != "" {
		return s
	}
	return version.Source(ctx, dir)
}
