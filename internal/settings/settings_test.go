package settings

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/platform"
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
			if s.BaseImage != "static" || s.Compression != layer.Gzip || s.Image.Name() != "index.docker.io/lehus1/devops-info-service-go" ||
				len(s.Platforms) != 2 || s.Licenses != "NOASSERTION" || s.Version.Version != "0.0.0-dev" {
				t.Errorf("Load() = %+v", s)
			}
		}},
		{name: "set", env: map[string]string{"BASE_IMAGE": "scratch", "COMPRESSION": "zstd", "IMAGE": "localhost:5000/svc",
			"PLATFORMS": "linux/arm64", "VERSION": "2.0.0", "IMAGE_SOURCE": "https://x.test/y", "IMAGE_LICENSES": "MIT"},
			check: func(t *testing.T, s Settings) {
				m := s.Metadata()
				if s.BaseImage != "scratch" || s.Compression != layer.Zstd || s.Image.Name() != "localhost:5000/svc" ||
					!s.Platforms[0].Equals(v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}) || m.Version != "2.0.0" || m.Source != "https://x.test/y" || m.Licenses != "MIT" {
					t.Errorf("Load() = %+v, metadata %+v", s, m)
				}
			}},
		{name: "bad platform", env: map[string]string{"PLATFORMS": "linux/sparc"}, wantErr: `platform "linux/sparc"`},
		{name: "bad compression", env: map[string]string{"COMPRESSION": "lz4"}, wantErr: `COMPRESSION: compression "lz4" is not gzip or zstd`},
		{name: "bad image", env: map[string]string{"IMAGE": "not/valid:"}, wantErr: `IMAGE "not/valid:" is not a repository`},
		{name: "upper case image", env: map[string]string{"IMAGE": "Not/Valid"}, wantErr: `IMAGE "Not/Valid" has upper case: lower case only`},
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
	host := platform.Local()
	if host.Architecture == "amd64" || host.Architecture == "arm64" { // on every OS: macOS and Windows get the tarball too
		want := []string{"example.com/a/b:1.0.0", "example.com/a/b:latest"}
		if out.Tarball != filepath.Join(src, "dist", "image.tar") || !slices.Equal(out.TarballTags, want) ||
			out.TarballPlatform.OS != "linux" || out.TarballPlatform.Architecture != host.Architecture {
			t.Errorf("Outputs() tarball = %q %q %v, want dist/image.tar tagged %q for %s", out.Tarball, out.TarballTags, out.TarballPlatform, want, host)
		}
	}
	s.Platforms = []v1.Platform{{OS: "linux", Architecture: "s390x"}}
	if out := s.Outputs(); len(out.TarballTags) > 0 && host.Architecture != "s390x" {
		t.Errorf("Outputs() without the host platform still writes a tarball: %+v", out)
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
