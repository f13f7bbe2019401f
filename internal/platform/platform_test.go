package platform

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

var (
	amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	armv7 = v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
)

func TestParseList(t *testing.T) {
	tests := []struct {
		in      string
		want    []v1.Platform
		wantErr string
	}{
		{"linux/amd64", []v1.Platform{amd64}, ""},
		{"linux/arm64, linux/amd64,linux/arm64", []v1.Platform{arm64, amd64}, ""},
		{"linux/arm64/v8,linux/arm", []v1.Platform{arm64, armv7}, ""},
		{"linux/mips", nil, `platform "linux/mips" is not one of linux/amd64, linux/arm64, linux/arm, linux/386, linux/ppc64le, linux/s390x, linux/riscv64 (PLATFORMS takes`},
		{"linux/arm64/v7", nil, `platform "linux/arm64/v7"`},
		{"windows/amd64", nil, `platform "windows/amd64"`},
		{"amd64", nil, `platform "amd64"`},
		{"", nil, `platform ""`},
	}
	for _, tt := range tests {
		got, err := ParseList(tt.in, "PLATFORMS")
		if !testenv.WantErr(t, fmt.Sprintf("ParseList(%q)", tt.in), err, tt.wantErr) {
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseList(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestNames(t *testing.T) {
	if got, want := Name(arm64), "linux/arm64"; got != want {
		t.Errorf("Name(%v) = %q, want %q", arm64, got, want)
	}
	if got, want := Dir(arm64), "linux_arm64"; got != want {
		t.Errorf("Dir(%v) = %q, want %q", arm64, got, want)
	}
	if l := Local(); l.OS != "linux" || !Matches(l)(v1.Descriptor{Platform: &l}) {
		t.Errorf("Local() = %v, want a linux platform that matches itself", l)
	}
}

// The local image platform is Linux on the machine's architecture on every
// OS: Docker Desktop and Podman run Linux images on macOS and Windows.
func TestLocal(t *testing.T) {
	tests := []struct {
		host string // GOOS/GOARCH of the machine
		want v1.Platform
	}{
		{"linux/amd64", amd64},
		{"linux/arm64", arm64},
		{"darwin/arm64", arm64},
		{"darwin/amd64", amd64},
		{"windows/amd64", amd64},
		{"windows/arm64", arm64},
	}
	for _, tt := range tests {
		_, goarch, _ := strings.Cut(tt.host, "/")
		if got := linux(goarch); !got.Equals(tt.want) {
			t.Errorf("linux(%s) on %s = %s, want %s", goarch, tt.host, got, tt.want)
		}
	}
	if got := Local(); got.OS != "linux" || got.Architecture != runtime.GOARCH {
		t.Errorf("Local() = %s, want linux/%s", got, runtime.GOARCH)
	}
	// It is among the default platforms on every machine people use, so
	// build writes dist/image.tar for `docker load` there.
	for _, goarch := range []string{"amd64", "arm64"} {
		if p := linux(goarch); !slices.ContainsFunc(Default, p.Equals) {
			t.Errorf("linux(%s) = %s, not among the default platforms %v", goarch, p, Default)
		}
	}
}

func TestFind(t *testing.T) {
	var idx v1.ImageIndex = empty.Index
	var want = map[string]v1.Hash{}
	for _, p := range []v1.Platform{amd64, {OS: "linux", Architecture: "arm64"}, armv7} {
		img, err := random.Image(100, 1)
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
		want[p.OS+"/"+p.Architecture], _ = img.Digest()
	}
	tests := []struct {
		want    v1.Platform
		found   string // the key of want's image; "" when none
		wantErr string
	}{
		{amd64, "linux/amd64", ""},
		{arm64, "linux/arm64", ""}, // listed without a variant: serves v8
		{v1.Platform{OS: "linux", Architecture: "arm"}, "linux/arm", ""},
		{v1.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, "", "has no linux/arm/v6 image (it has: linux/amd64, linux/arm64, linux/arm/v7)"},
		{v1.Platform{OS: "linux", Architecture: "s390x"}, "", "has no linux/s390x image"},
	}
	for _, tt := range tests {
		d, err := Find(idx, tt.want)
		if testenv.WantErr(t, fmt.Sprintf("Find(%v)", tt.want), err, tt.wantErr) && d.Digest != want[tt.found] {
			t.Errorf("Find(%v) = %v, want %v", tt.want, d.Digest, want[tt.found])
		}
	}
}

func TestLabel(t *testing.T) {
	tests := []struct {
		p    v1.Platform
		want string
	}{
		{v1.Platform{OS: "linux", Architecture: "amd64"}, "linux/amd64"},
		{v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, "linux/arm64"},
		{v1.Platform{OS: "linux", Architecture: "arm64"}, "linux/arm64"},
		{v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, "linux/arm/v7"},
		{v1.Platform{OS: "linux", Architecture: "arm", Variant: "v5"}, "linux/arm/v5"},
	}
	for _, tt := range tests {
		if got := Label(tt.p); got != tt.want {
			t.Errorf("Label(%v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}
