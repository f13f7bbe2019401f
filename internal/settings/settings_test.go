package settings

import (
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/image"
)

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	dir := t.TempDir() // not a checkout: version 0.0.0-dev
	tests := []struct {
		name    string
		env     map[string]string
		check   func(t *testing.T, s Settings)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, s Settings) {
			if s.BaseImage != "static" || s.Compression != image.Gzip || s.Image.Name() != "index.docker.io/lehus1/devops-info-service-go" ||
				len(s.Platforms) != 2 || s.Licenses != "NOASSERTION" || s.Version.Version != "0.0.0-dev" {
				t.Errorf("Load() = %+v", s)
			}
		}},
		{name: "set", env: map[string]string{"BASE_IMAGE": "scratch", "COMPRESSION": "zstd", "IMAGE": "localhost:5000/svc",
			"PLATFORMS": "linux/arm64", "VERSION": "2.0.0", "IMAGE_SOURCE": "https://x.test/y", "IMAGE_LICENSES": "MIT"},
			check: func(t *testing.T, s Settings) {
				m := s.Metadata()
				if s.BaseImage != "scratch" || s.Compression != image.Zstd || s.Image.Name() != "localhost:5000/svc" ||
					s.Platforms[0] != (binary.Platform{OS: "linux", Arch: "arm64"}) || m.Version != "2.0.0" || m.Source != "https://x.test/y" || m.Licenses != "MIT" {
					t.Errorf("Load() = %+v, metadata %+v", s, m)
				}
			}},
		{name: "bad platform", env: map[string]string{"PLATFORMS": "linux/sparc"}, wantErr: `platform "linux/sparc"`},
		{name: "bad compression", env: map[string]string{"COMPRESSION": "lz4"}, wantErr: `COMPRESSION: compression "lz4" is not gzip or zstd`},
		{name: "bad image", env: map[string]string{"IMAGE": "Not/Valid:"}, wantErr: `IMAGE "Not/Valid:" is not a repository`},
		{name: "bad version", env: map[string]string{"VERSION": "one"}, wantErr: `VERSION "one"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(t.Context(), dir, getenv(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

func TestOutputs(t *testing.T) {
	src := t.TempDir()
	s, err := Load(t.Context(), src, getenv(map[string]string{"VERSION": "1.0.0", "IMAGE": "example.com/a/b"}))
	if err != nil {
		t.Fatal(err)
	}
	out := s.Outputs()
	if out.Layout != filepath.Join(src, "dist", "oci") || out.RefName != "1.0.0" {
		t.Errorf("Outputs() = %+v", out)
	}
	host := LocalPlatform()
	if host.Arch == "amd64" || host.Arch == "arm64" { // on every OS: macOS and Windows get the tarball too
		if out.Tarball != filepath.Join(src, "dist", "image.tar") || out.TarballTag != "example.com/a/b:1.0.0" ||
			out.TarballPlatform.OS != "linux" || out.TarballPlatform.Architecture != host.Arch {
			t.Errorf("Outputs() tarball = %q %q %v, want dist/image.tar tagged example.com/a/b:1.0.0 for %s", out.Tarball, out.TarballTag, out.TarballPlatform, host)
		}
	}
	s.Platforms = []binary.Platform{{OS: "linux", Arch: "s390x"}}
	if out := s.Outputs(); out.TarballTag != "" && host.Arch != "s390x" {
		t.Errorf("Outputs() without the host platform still writes a tarball: %+v", out)
	}
	if ps := s.OCIPlatforms(); len(ps) != 1 || ps[0].Architecture != "s390x" {
		t.Errorf("OCIPlatforms() = %v, want linux/s390x", ps)
	}
}

// The local image platform is Linux on the machine's architecture on every
// OS: Docker Desktop and Podman run Linux images on macOS and Windows.
func TestLocalPlatform(t *testing.T) {
	tests := []struct {
		host string // GOOS/GOARCH of the machine
		want binary.Platform
	}{
		{"linux/amd64", binary.Platform{OS: "linux", Arch: "amd64"}},
		{"linux/arm64", binary.Platform{OS: "linux", Arch: "arm64"}},
		{"darwin/arm64", binary.Platform{OS: "linux", Arch: "arm64"}},
		{"darwin/amd64", binary.Platform{OS: "linux", Arch: "amd64"}},
		{"windows/amd64", binary.Platform{OS: "linux", Arch: "amd64"}},
		{"windows/arm64", binary.Platform{OS: "linux", Arch: "arm64"}},
	}
	for _, tt := range tests {
		_, goarch, _ := strings.Cut(tt.host, "/")
		if got := localPlatform(goarch); got != tt.want {
			t.Errorf("localPlatform(%s) on %s = %s, want %s", goarch, tt.host, got, tt.want)
		}
	}
	if got := LocalPlatform(); got.OS != "linux" || got.Arch != runtime.GOARCH {
		t.Errorf("LocalPlatform() = %s, want linux/%s", got, runtime.GOARCH)
	}
	// It is among the default platforms on every machine people use, so
	// build writes dist/image.tar for `docker load` there.
	for _, goarch := range []string{"amd64", "arm64"} {
		if p := localPlatform(goarch); !slices.Contains(binary.DefaultPlatforms, p) {
			t.Errorf("localPlatform(%s) = %s, not among the default platforms %v", goarch, p, binary.DefaultPlatforms)
		}
	}
}

// The tarball's name has its registry written out, so that docker (which
// reads docker.io/x/y as x/y) and podman (which would put localhost/ before
// x/y) both load it under the name their pull gives.
func TestTagName(t *testing.T) {
	tests := []struct {
		image, want string
	}{
		{"", "docker.io/lehus1/devops-info-service-go:1.0.0"},
		{"lehus1/svc", "docker.io/lehus1/svc:1.0.0"},
		{"docker.io/lehus1/svc", "docker.io/lehus1/svc:1.0.0"},
		{"index.docker.io/lehus1/svc", "docker.io/lehus1/svc:1.0.0"},
		{"busybox", "docker.io/library/busybox:1.0.0"},
		{"example.com/a/b", "example.com/a/b:1.0.0"},
		{"localhost:5000/a", "localhost:5000/a:1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			s, err := Load(t.Context(), t.TempDir(), getenv(map[string]string{"VERSION": "1.0.0", "IMAGE": tt.image}))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.TagName("1.0.0"); got != tt.want {
				t.Errorf("TagName(1.0.0) with IMAGE=%q = %q, want %q", tt.image, got, tt.want)
			}
		})
	}
}
