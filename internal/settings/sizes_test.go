package settings

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/sizes"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

var amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}

func TestSizes(t *testing.T) {
	tests := []struct {
		env     map[string]string
		want    sizes.Request
		wantErr string
	}{
		{nil, sizes.Request{Image: "oci:dist/oci", Baseline: "python:3.13-slim", Platforms: []v1.Platform{amd64}, Depth: sizes.Full, Limits: sizes.Limits{MaxCompressed: 20_000_000}}, ""},
		{map[string]string{"SIZE_PLATFORMS": "all", "MEASURE": "compressed", "MAX_SIZE": "19.5MiB", "MIN_RATIO": "10x", "BASELINE": "x:1", "IMAGE_REF": "y:2"},
			sizes.Request{Image: "y:2", Baseline: "x:1", Depth: sizes.Manifests, Limits: sizes.Limits{MaxCompressed: 20447232, MinRatio: 10}}, ""},
		{map[string]string{"SIZE_PLATFORMS": "linux/arm64, linux/amd64", "MAX_SIZE": "0"},
			sizes.Request{Image: "oci:dist/oci", Baseline: "python:3.13-slim", Platforms: []v1.Platform{{OS: "linux", Architecture: "arm64"}, amd64}, Depth: sizes.Full}, ""},
		{map[string]string{"SIZE_PLATFORMS": "arm64"}, sizes.Request{}, `SIZE_PLATFORMS "arm64" is not os/arch`},
		{map[string]string{"MEASURE": "some"}, sizes.Request{}, `MEASURE "some"`},
		{map[string]string{"MAX_SIZE": "big"}, sizes.Request{}, `MAX_SIZE: "big" is not a size`},
		// Values that would turn the gate off by themselves; only 0 may.
		{map[string]string{"MAX_SIZE": "NaN"}, sizes.Request{}, `MAX_SIZE: "NaN" is not a size`},
		{map[string]string{"MAX_SIZE": "Inf"}, sizes.Request{}, `MAX_SIZE: "Inf" is not a size`},
		{map[string]string{"MAX_SIZE": "-Inf MB"}, sizes.Request{}, `MAX_SIZE: "-Inf MB" is not a size`},
		{map[string]string{"MAX_SIZE": "99999999999999999999999MB"}, sizes.Request{}, `MAX_SIZE: "99999999999999999999999MB" is more than`},
		{map[string]string{"MAX_SIZE": "9223372036854775808"}, sizes.Request{}, `is more than`},
		{map[string]string{"MAX_SIZE": "1e-9"}, sizes.Request{}, `MAX_SIZE: "1e-9" is less than one byte`},
		{map[string]string{"MAX_SIZE": "0.4B"}, sizes.Request{}, `less than one byte`},
		{map[string]string{"MIN_RATIO": "-1"}, sizes.Request{}, `MIN_RATIO "-1"`},
		{map[string]string{"MIN_RATIO": "NaN"}, sizes.Request{}, `MIN_RATIO "NaN"`},
		{map[string]string{"MIN_RATIO": "Inf"}, sizes.Request{}, `MIN_RATIO "Inf"`},
		{map[string]string{"SIZE_PLATFORMS": "linux/arm/v7"}, sizes.Request{Image: "oci:dist/oci", Baseline: "python:3.13-slim", Platforms: []v1.Platform{{OS: "linux", Architecture: "arm", Variant: "v7"}}, Depth: sizes.Full, Limits: sizes.Limits{MaxCompressed: 20_000_000}}, ""},
		{map[string]string{"SIZE_PLATFORMS": "linux/arm/v7/x"}, sizes.Request{}, `SIZE_PLATFORMS "linux/arm/v7/x"`},
		{map[string]string{"SIZE_PLATFORMS": "linux/arm/"}, sizes.Request{}, `SIZE_PLATFORMS "linux/arm/"`},
		{map[string]string{"SIZE_PLATFORMS": "/amd64"}, sizes.Request{}, `SIZE_PLATFORMS "/amd64"`},
		{map[string]string{"SIZE_PLATFORMS": "linux/amd64,"}, sizes.Request{}, `SIZE_PLATFORMS ""`},
		{map[string]string{"CI": "true", "BASELINE_STRICT": "1"}, sizes.Request{Image: "oci:dist/oci", Baseline: "python:3.13-slim", Platforms: []v1.Platform{amd64}, Depth: sizes.Manifests, Limits: sizes.Limits{MaxCompressed: 20_000_000}, Strict: true}, ""},
		{map[string]string{"CI": "true", "MEASURE": "full", "BASELINE_STRICT": "0"}, sizes.Request{Image: "oci:dist/oci", Baseline: "python:3.13-slim", Platforms: []v1.Platform{amd64}, Depth: sizes.Full, Limits: sizes.Limits{MaxCompressed: 20_000_000}}, ""},
		{map[string]string{"BASELINE_STRICT": "yes"}, sizes.Request{}, `BASELINE_STRICT "yes" is not 1 or 0`},
	}
	for _, tt := range tests {
		got, err := Sizes(getenv(tt.env), amd64, io.Discard)
		if !testenv.WantErr(t, fmt.Sprintf("Sizes(%v)", tt.env), err, tt.wantErr) {
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Sizes(%v) (-want +got):\n%s", tt.env, diff)
		}
	}
}

// The old name PLATFORM still works, with a one-line warning; the new
// name wins where both are set.
func TestSizesPlatformRenamed(t *testing.T) {
	tests := []struct {
		env      map[string]string
		want     []v1.Platform
		warnings string
	}{
		{map[string]string{"PLATFORM": "linux/arm64"}, []v1.Platform{{OS: "linux", Architecture: "arm64"}}, "WARNING: PLATFORM is deprecated; set SIZE_PLATFORMS instead\n"},
		{map[string]string{"PLATFORM": "linux/arm64", "SIZE_PLATFORMS": "linux/s390x"}, []v1.Platform{{OS: "linux", Architecture: "s390x"}}, ""},
		{nil, []v1.Platform{amd64}, ""},
	}
	for _, tt := range tests {
		var warn strings.Builder
		got, err := Sizes(getenv(tt.env), amd64, &warn)
		if err != nil || !cmp.Equal(got.Platforms, tt.want) || warn.String() != tt.warnings {
			t.Errorf("Sizes(%v) = %v, %v, warned %q; want %v, warned %q", tt.env, got.Platforms, err, warn.String(), tt.want, tt.warnings)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"20MB": 20e6, "20 mb": 20e6, "1KiB": 1024, "2GB": 2e9, "123": 123, "1.5MiB": 1572864, "7B": 7, "0": 0, "0.0MB": 0} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MB", "-1MB", "twenty", "NaN", "nan", "Inf", "+Inf", "infinity", "1e400", "9223372036854775807", "1e-9", "0.5", "1e-300MB", "1e-400"} {
		if got, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) = %d, nil error; want an error", bad, got)
		}
	}
}
