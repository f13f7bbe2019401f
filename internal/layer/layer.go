// Package layer makes the layers the pipeline writes itself, the service's
// and the built-in base's: reproducible tars (sorted entries, fixed modes,
// owners and times) compressed once, in memory, with gzip or zstd.
package layer

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression is how layers we make are compressed.
type Compression string

// The compressions a layer can have. Gzip is what every runtime and
// registry reads; zstd is smaller and faster, and needs Docker 23,
// containerd 1.5 or Podman 3 or later. Uncompressed is for images that
// never leave this machine (dev's): compressing a layer only for the
// engine to decompress it at once costs a reload about 0.1 s. It is not
// one that ParseCompression reads: what is built or pushed is compressed.
const (
	Gzip         Compression = "gzip"
	Zstd         Compression = "zstd"
	Uncompressed Compression = "uncompressed"
)

// ParseCompression reads "gzip" or "zstd".
func ParseCompression(s string) (Compression, error) {
	switch c := Compression(s); c {
	case Gzip, Zstd:
		return c, nil
	}
	return "", fmt.Errorf("compression %q is not gzip or zstd", s)
}

// memLayer is a compressed tar held in memory: compressed once, hashed once,
// and served as it is to every output, so that the layout, the tarball and
// a push all carry the same bytes without compressing again.
type memLayer struct {
	blob      []byte
	size      int64 // uncompressed
	digest    v1.Hash
	diffID    v1.Hash
	mediaType types.MediaType
	c         Compression
}

// New compresses tarBytes with c into a layer of media type mt.
func New(tarBytes []byte, c Compression, mt types.MediaType) (v1.Layer, error) {
	if c == Uncompressed {
		d := sha256Hash(tarBytes)
		return &memLayer{blob: tarBytes, size: int64(len(tarBytes)), digest: d, diffID: d, mediaType: mt, c: c}, nil
	}
	// The tar is hashed on another core while it is compressed: the layer
	// of the last binary built is what a build waits for at its end.
	diffID := make(chan v1.Hash, 1)
	go func() { diffID <- sha256Hash(tarBytes) }()
	var buf bytes.Buffer
	buf.Grow(len(tarBytes) / 2) // a Go binary compresses to about 45%
	switch c {
	case Zstd:
		zw, err := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		zw.Write(tarBytes)
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("compressing a layer: %w", err)
		}
	default:
		zw, err := gzip.NewWriterLevel(&buf, gzipLevel)
		if err != nil {
			return nil, err
		}
		zw.Write(tarBytes)
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("compressing a layer: %w", err)
		}
	}
	return &memLayer{
		blob:      buf.Bytes(),
		size:      int64(len(tarBytes)),
		digest:    sha256Hash(buf.Bytes()),
		diffID:    <-diffID,
		mediaType: mt,
		c:         c,
	}, nil
}

// gzipLevel trades size for time: level 9 saves about 3% over 6 and costs
// eight times as long on a Go binary.
const gzipLevel = 6

func sha256Hash(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sum)}
}

func (l *memLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *memLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *memLayer) Size() (int64, error)                { return int64(len(l.blob)), nil }
func (l *memLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }
func (l *memLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.blob)), nil
}
func (l *memLayer) Uncompressed() (io.ReadCloser, error) {
	if l.c == Uncompressed {
		return l.Compressed()
	}
	if l.c == Zstd {
		zr, err := zstd.NewReader(bytes.NewReader(l.blob))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	}
	return gzip.NewReader(bytes.NewReader(l.blob))
}

// MediaType is the media type of a layer compressed with c in an image
// whose manifest is of type manifest.
func MediaType(c Compression, manifest types.MediaType) types.MediaType {
	switch {
	case c == Zstd:
		return types.OCILayerZStd
	case c == Uncompressed && manifest == types.DockerManifestSchema2:
		return types.DockerUncompressedLayer
	case c == Uncompressed:
		return types.OCIUncompressedLayer
	case manifest == types.DockerManifestSchema2:
		return types.DockerLayer
	default:
		return types.OCILayer
	}
}
