// Package sizes measures container images, what a pull transfers and what
// they take on disk, layer by layer, with the bytes that later layers waste,
// and compares one image with another.
package sizes

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/layer"
)

// Image is what one image of one platform measures.
type Image struct {
	Name     string `json:"name"`
	Platform string `json:"platform"`
	// Digest is the platform manifest's digest.
	Digest string `json:"digest"`
	// Origin says where the figures come from: "oci-layout",
	// "docker-archive", "registry" or "recorded".
	Origin string `json:"origin"`
	// Note says, for recorded figures, where they were published.
	Note string `json:"note,omitempty"`
	// Compressed is what a pull transfers: config and layers, as the
	// manifest gives them (layers only where the config's size is unknown).
	Compressed int64 `json:"compressed_bytes"`
	// CompressedEstimated is true where the compressed sizes were computed
	// rather than read (an archive with uncompressed layers).
	CompressedEstimated bool `json:"compressed_estimated"`
	// ConfigBytes is the config blob's size; nil where it is unknown.
	ConfigBytes *int64 `json:"config_bytes"`
	// Uncompressed is the bytes of the files the layers unpack to, the way
	// `docker images` counts; nil where it was not measured.
	Uncompressed *int64 `json:"uncompressed_bytes"`
	// TarBytes is the length of the layers' tar streams, headers and
	// padding included; nil where it was not measured.
	TarBytes *int64 `json:"tar_bytes"`
	// UncompressedApproximate is true where Uncompressed was published
	// rounded, not measured.
	UncompressedApproximate bool `json:"uncompressed_approximate"`
	// Wasted is the bytes of files that a later layer overwrites or deletes
	// (dive's "wasted space"); nil where it was not measured.
	Wasted *int64  `json:"wasted_bytes"`
	Layers []Layer `json:"layers"`
}

// Layer is one layer's figures.
type Layer struct {
	Digest       string `json:"digest"`
	Compressed   int64  `json:"compressed_bytes"`
	Uncompressed *int64 `json:"uncompressed_bytes"`
	TarBytes     *int64 `json:"tar_bytes"`
	// Wasted is the bytes of this layer's files that later layers
	// overwrite or delete.
	Wasted *int64 `json:"wasted_bytes"`
	// CreatedBy is the history line that made the layer.
	CreatedBy string `json:"created_by"`
}

// Depth says how much of an image to read.
type Depth int

const (
	// Manifests reads manifests only: compressed sizes, no blobs.
	Manifests Depth = iota
	// Full also reads the config (history) and streams every layer
	// through a counter (uncompressed sizes, waste), never to disk.
	Full
)

// Measure measures img. At Full depth, progress gets the bytes read as
// layers stream through.
func Measure(ctx context.Context, img v1.Image, depth Depth, progress func(n int64)) (Image, error) {
	m, err := img.Manifest()
	if err != nil {
		return Image{}, fmt.Errorf("reading the manifest: %w", err)
	}
	d, err := img.Digest()
	if err != nil {
		return Image{}, fmt.Errorf("reading the manifest: %w", err)
	}
	cfgSize := m.Config.Size
	out := Image{Digest: d.String(), Compressed: cfgSize, ConfigBytes: &cfgSize}
	for _, l := range m.Layers {
		out.Layers = append(out.Layers, Layer{Digest: l.Digest.String(), Compressed: l.Size})
		out.Compressed += l.Size
	}
	if depth == Manifests {
		return out, nil
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return Image{}, fmt.Errorf("reading the config: %w", err)
	}
	history := layerHistory(cf.History)
	layers, err := img.Layers()
	if err != nil {
		return Image{}, fmt.Errorf("reading the layers: %w", err)
	}
	if len(layers) != len(out.Layers) {
		return Image{}, fmt.Errorf("the manifest lists %d layers, the image has %d", len(out.Layers), len(layers))
	}
	w := newWasteTracker(len(layers))
	var files, tars int64
	for i, l := range layers {
		if i < len(history) {
			out.Layers[i].CreatedBy = history[i]
		}
		f, n, err := scanLayer(ctx, l, i, w, progress)
		if err != nil {
			return Image{}, fmt.Errorf("reading layer %d (%s): %w", i+1, out.Layers[i].Digest, err)
		}
		out.Layers[i].Uncompressed, out.Layers[i].TarBytes = &f, &n
		files += f
		tars += n
	}
	out.Uncompressed, out.TarBytes = &files, &tars
	var wasted int64
	for i := range out.Layers {
		lw := w.wasted[i]
		out.Layers[i].Wasted = &lw
		wasted += lw
	}
	out.Wasted = &wasted
	return out, nil
}

// layerHistory is the created_by line of each history entry that made a
// layer, in order; entries for config-only steps are skipped.
func layerHistory(h []v1.History) []string {
	var out []string
	for _, e := range h {
		if !e.EmptyLayer {
			out = append(out, strings.TrimSpace(strings.TrimPrefix(e.CreatedBy, "/bin/sh -c #(nop) ")))
		}
	}
	return out
}

// scanLayer streams one layer's tar through a counter and the waste
// tracker; it returns the bytes of its regular files and the tar stream's
// length.
func scanLayer(ctx context.Context, l v1.Layer, index int, w *wasteTracker, progress func(int64)) (files, stream int64, err error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return 0, 0, err
	}
	defer rc.Close()
	cr := &countingReader{r: rc, ctx: ctx, progress: progress}
	err = layer.WalkTar(cr, func(h *tar.Header, _ io.Reader) error {
		if h.Typeflag == tar.TypeReg {
			files += h.Size
		}
		w.entry(index, h)
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	// Whatever follows the end-of-archive marker is part of the stream.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return 0, 0, err
	}
	return files, cr.n, nil
}

type countingReader struct {
	r        io.Reader
	n        int64
	ctx      context.Context
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(int64(n))
	}
	return n, err
}
