package ocilayout

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lehus1/devops-info-service-go/internal/platform"
)

// The tarball carries every tag, in the order asked, the same bytes on
// every write (MultiRefWrite alone orders them by a map walk), and each
// tag names the platform's image.
func TestTarballTags(t *testing.T) {
	idx := testIndex(t)
	for _, tags := range [][]string{
		{"example.com/svc:1.2.3", "example.com/svc:latest"},
		{"example.com/svc:latest", "example.com/svc:1.2.3"},
		{"example.com/svc:1.2.3"},
	} {
		out := outputs(t.TempDir())
		out.TarballTags = tags
		var first []byte
		for i := range 8 {
			if err := Write(idx, out, "x"); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out.Tarball)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = got
			} else if !bytes.Equal(got, first) {
				t.Fatalf("Write(tags %q) #%d wrote other bytes than #0", tags, i)
			}
		}
		m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(out.Tarball) })
		if err != nil || len(m) != 1 || !slices.Equal(m[0].RepoTags, tags) {
			t.Errorf("Write(tags %q): manifest.json = %+v, %v; want one entry tagged %q", tags, m, err, tags)
		}
		amd, err := platform.Image(idx, amd64)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := amd.Digest()
		for _, s := range tags {
			tag, _ := name.NewTag(s)
			img, err := tarball.ImageFromPath(filepath.Clean(out.Tarball), &tag)
			if err != nil {
				t.Fatalf("tarball.ImageFromPath(%s) = %v", s, err)
			}
			if got, _ := img.Digest(); got != want {
				t.Errorf("tarball image %s = %s, want the amd64 image %s", s, got, want)
			}
		}
	}
}
