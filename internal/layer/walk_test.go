package layer

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// walkLayer is a layer of three entries, gzip- or zstd-compressed.
func walkLayer(t *testing.T, c Compression) v1.Layer {
	t.Helper()
	tb, err := Tar([]File{
		{Name: "a", Type: tar.TypeDir, Mode: 0o755},
		{Name: "a/b", Type: tar.TypeReg, Mode: 0o644, Data: []byte("bee")},
		{Name: "c", Type: tar.TypeSymlink, Linkname: "a/b"},
	}, time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(tb, c, MediaType(c, types.OCIManifestSchema1))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// brokenLayer's uncompressed stream cannot be opened.
type brokenLayer struct{ v1.Layer }

func (brokenLayer) Uncompressed() (io.ReadCloser, error) { return nil, errors.New("no stream") }

func TestWalk(t *testing.T) {
	stop := errors.New("stop here")
	tests := []struct {
		name    string
		c       Compression
		stopAt  string // the entry whose visit returns err
		err     error
		want    []string
		wantErr error
	}{
		{"every entry in order, gzip", Gzip, "", nil, []string{"a/", "a/b=bee", "c"}, nil},
		{"every entry in order, zstd", Zstd, "", nil, []string{"a/", "a/b=bee", "c"}, nil},
		{"fs.SkipAll ends it quietly", Gzip, "a/b", fs.SkipAll, []string{"a/", "a/b=bee"}, nil},
		{"another error ends it and is returned", Gzip, "a/", stop, []string{"a/"}, stop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := Walk(walkLayer(t, tt.c), func(h *tar.Header, r io.Reader) error {
				data, err := io.ReadAll(r)
				if err != nil {
					return err
				}
				if len(data) > 0 {
					got = append(got, h.Name+"="+string(data))
				} else {
					got = append(got, h.Name)
				}
				if h.Name == tt.stopAt {
					return tt.err
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) || err == nil != (tt.wantErr == nil) {
				t.Errorf("Walk() = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Walk() visited (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWalkErrors(t *testing.T) {
	visit := func(*tar.Header, io.Reader) error { return nil }
	if err := Walk(brokenLayer{}, visit); err == nil || !strings.Contains(err.Error(), "no stream") {
		t.Errorf("Walk(a layer that cannot open) = %v, want its error", err)
	}
	tb, err := Tar([]File{{Name: "x", Type: tar.TypeReg, Mode: 0o644, Data: bytes.Repeat([]byte("x"), 2048)}}, time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := WalkTar(bytes.NewReader(tb[:600]), visit); err == nil {
		t.Errorf("WalkTar(a tar cut short in its header) = nil, want an error")
	}
}
