package settings

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// gitRepo is a checkout with one commit, at 1700000000.
func gitRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"commit", "-q", "--allow-empty", "-m", "a"},
		{"remote", "add", "origin", "https://tok:en@example.com/a/b.git"}} {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgSign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=@1700000000 +0000", "GIT_AUTHOR_DATE=@1700000000 +0000")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return dir
}

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := gitRepo(t)
	pinned := func(version string, at int64, source string) func(t *testing.T, s Settings) {
		return func(t *testing.T, s Settings) {
			if want := version; want != "" && s.Version.Version != want || want == "" && !strings.HasPrefix(s.Version.Version, "0.0.1-dev.1.g") {
				t.Errorf("Load().Version.Version = %q, want %q (git's when empty)", s.Version.Version, want)
			}
			if !s.Version.Time.Equal(time.Unix(at, 0)) || s.Version.Time.Location() != time.UTC {
				t.Errorf("Load().Version.Time = %v, want %d UTC", s.Version.Time, at)
			}
			if s.Source != source {
				t.Errorf("Load().Source = %q, want %q", s.Source, source)
			}
		}
	}
	tests := []struct {
		name    string
		env     map[string]string
		check   func(t *testing.T, s Settings)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, s Settings) {
			if s.BaseImage != "static" || s.Compression != layer.Gzip || s.Image.Name() != "index.docker.io/lehus1/devops-info-service-go" ||
				len(s.Platforms) != 2 || s.Licenses != "NOASSERTION" {
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
		{name: "git's version", check: pinned("", 1700000000, "https://example.com/a/b")},
		{name: "pinned version", env: map[string]string{"VERSION": "v3.0.0-beta.2", "SOURCE_DATE_EPOCH": "1234", "IMAGE_SOURCE": "https://x.test/y"},
			check: pinned("3.0.0-beta.2", 1234, "https://x.test/y")},
		{name: "epoch 0", env: map[string]string{"SOURCE_DATE_EPOCH": "0"}, check: pinned("", 0, "https://example.com/a/b")},
		{name: "last second of 9999", env: map[string]string{"SOURCE_DATE_EPOCH": "253402300799", "VERSION": "1.0.0"}, check: pinned("1.0.0", 253402300799, "https://example.com/a/b")},
		{name: "VERSION with build metadata", env: map[string]string{"VERSION": "1.0.0+abc"}, wantErr: `VERSION "1.0.0+abc" is not a version`},
		{name: "VERSION shorthand", env: map[string]string{"VERSION": "1.2"}, wantErr: `VERSION "1.2" is not a version`},
		{name: "bad SOURCE_DATE_EPOCH", env: map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, wantErr: `SOURCE_DATE_EPOCH must be whole seconds`},
		{name: "negative SOURCE_DATE_EPOCH", env: map[string]string{"SOURCE_DATE_EPOCH": "-1"}, wantErr: `SOURCE_DATE_EPOCH must be whole seconds`},
		// A time that an image's JSON cannot hold is refused here, before
		// anything is compiled, not when the config is written.
		{name: "SOURCE_DATE_EPOCH in year 10000", env: map[string]string{"SOURCE_DATE_EPOCH": "253402300800"}, wantErr: `SOURCE_DATE_EPOCH "253402300800" is after the year 9999`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Load(t.Context(), dir, getenv(tt.env))
			if testenv.WantErr(t, "Load()", err, tt.wantErr) {
				tt.check(t, s)
			}
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
