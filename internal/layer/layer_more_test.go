package layer

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// A layer serves the bytes it was made from, compressed once, and names
// them by their digests.
func TestNewRoundTrips(t *testing.T) {
	tb, err := Tar([]File{{Name: "app", Type: tar.TypeDir, Mode: 0o755}, {Name: "app/x", Type: tar.TypeReg, Mode: 0o755, Data: []byte("hello")}}, time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Compression{Gzip, Zstd, Uncompressed} {
		t.Run(string(c), func(t *testing.T) {
			l, err := New(tb, c, MediaType(c, types.OCIManifestSchema1))
			if err != nil {
				t.Fatal(err)
			}
			rc, err := l.Uncompressed()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, tb) {
				t.Errorf("New(%s).Uncompressed() = %d bytes, %v; want the %d bytes of the tar", c, len(got), err, len(tb))
			}
			cr, _ := l.Compressed()
			blob, _ := io.ReadAll(cr)
			size, _ := l.Size()
			digest, _ := l.Digest()
			diffID, _ := l.DiffID()
			if size != int64(len(blob)) || digest != hash(blob) || diffID != hash(tb) {
				t.Errorf("New(%s): size %d, digest %s, diffID %s; want %d, %s, %s", c, size, digest, diffID, len(blob), hash(blob), hash(tb))
			}
			if compressed := !bytes.Equal(blob, tb); compressed != (c != Uncompressed) {
				t.Errorf("New(%s).Compressed() differs from the tar = %v, want %v", c, compressed, c != Uncompressed)
			}
		})
	}
}

func hash(b []byte) v1.Hash {
	h, _, _ := v1.SHA256(bytes.NewReader(b))
	return h
}

func TestMediaType(t *testing.T) {
	tests := []struct {
		c        Compression
		manifest types.MediaType
		want     types.MediaType
	}{
		{Gzip, types.OCIManifestSchema1, types.OCILayer},
		{Gzip, types.DockerManifestSchema2, types.DockerLayer},
		{Zstd, types.DockerManifestSchema2, types.OCILayerZStd},
		{Uncompressed, types.OCIManifestSchema1, types.OCIUncompressedLayer},
		{Uncompressed, types.DockerManifestSchema2, types.DockerUncompressedLayer},
	}
	for _, tt := range tests {
		l, err := New(nil, tt.c, MediaType(tt.c, tt.manifest))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := l.MediaType(); got != tt.want {
			t.Errorf("MediaType(%s, %s) = %s, want %s", tt.c, tt.manifest, got, tt.want)
		}
	}
}

func TestParseCompression(t *testing.T) {
	for _, s := range []string{"gzip", "zstd"} {
		if c, err := ParseCompression(s); err != nil || string(c) != s {
			t.Errorf("ParseCompression(%q) = %q, %v; want %q", s, c, err, s)
		}
	}
	for _, s := range []string{"brotli", string(Uncompressed)} {
		if _, err := ParseCompression(s); err == nil {
			t.Errorf("ParseCompression(%q) = nil error, want one: users choose only how what leaves the machine is compressed", s)
		}
	}
}
