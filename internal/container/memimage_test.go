package container

import (
	"bytes"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// memImage is an image whose layers give their tar streams from memory.
type memImage struct {
	v1.Image
	layers []v1.Layer
}

// memLayer is a layer whose tar stream is held in memory.
type memLayer struct {
	v1.Layer
	tar []byte
}

func (l memLayer) Uncompressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.tar)), nil
}

// inMemory is img with each layer's tar stream read once, into memory.
func inMemory(img v1.Image) (v1.Image, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	m := memImage{Image: img}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return nil, err
		}
		tar, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		m.layers = append(m.layers, memLayer{Layer: l, tar: tar})
	}
	return m, nil
}

func (m memImage) Layers() ([]v1.Layer, error) { return m.layers, nil }

func (m memImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	return m.find(h, v1.Layer.Digest, m.Image.LayerByDigest)
}

func (m memImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	return m.find(h, v1.Layer.DiffID, m.Image.LayerByDiffID)
}

// find is the layer whose hash (digest or diff ID) is h; else, as the
// config, what the image itself has by that hash.
func (m memImage) find(h v1.Hash, hash func(v1.Layer) (v1.Hash, error), orig func(v1.Hash) (v1.Layer, error)) (v1.Layer, error) {
	for _, l := range m.layers {
		if got, err := hash(l); err == nil && got == h {
			return l, nil
		}
	}
	return orig(h)
}
