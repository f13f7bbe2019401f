package provenance

import (
	"archive/tar"
	"bytes"
	"debug/buildinfo"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/lehus1/devops-info-service-go/internal/layer"
)

// compilation is what the Go toolchain put into the image's binaries.
type compilation struct {
	goVersion string
	// builds are each platform's go build settings (flags, GOOS, ...).
	builds map[string]any
	// modules are every module compiled in, on any platform.
	modules []*intoto.ResourceDescriptor
	// baseLayers are the layers under the service's own, by digest, for a
	// base that names no registry image.
	baseLayers []*intoto.ResourceDescriptor
}

// compiled reads the build information of the Go binary in each platform
// image's top layer: the service's own layer, the one build adds.
func compiled(idx v1.ImageIndex, im *v1.IndexManifest) (compilation, error) {
	c := compilation{builds: map[string]any{}}
	modules := map[string]*intoto.ResourceDescriptor{}
	seenLayers := map[string]bool{}
	for _, m := range im.Manifests {
		if m.Platform == nil {
			continue
		}
		img, err := idx.Image(m.Digest)
		if err != nil {
			return c, fmt.Errorf("reading %s: %w", m.Platform, err)
		}
		layers, err := img.Layers()
		if err != nil || len(layers) == 0 {
			return c, fmt.Errorf("reading the layers of %s: %v", m.Platform, err)
		}
		bi, err := binaryInfo(layers[len(layers)-1])
		if err != nil {
			return c, fmt.Errorf("reading the Go build information of %s: %w", m.Platform, err)
		}
		c.goVersion = bi.GoVersion
		settings := map[string]any{"goVersion": bi.GoVersion, "path": bi.Path}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		c.builds[m.Platform.String()] = settings
		for _, d := range bi.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			rd := &intoto.ResourceDescriptor{Uri: "pkg:golang/" + d.Path + "@" + d.Version}
			if h, ok := dirHash(d.Sum); ok {
				rd.Digest = map[string]string{"dirHash": h}
			}
			modules[rd.Uri] = rd
		}
		for _, l := range layers[:len(layers)-1] {
			d, err := l.Digest()
			if err != nil {
				return c, err
			}
			if !seenLayers[d.String()] {
				seenLayers[d.String()] = true
				c.baseLayers = append(c.baseLayers, &intoto.ResourceDescriptor{Name: "base layer", Digest: map[string]string{d.Algorithm: d.Hex}})
			}
		}
	}
	for _, rd := range modules {
		c.modules = append(c.modules, rd)
	}
	sort.Slice(c.modules, func(i, j int) bool { return c.modules[i].GetUri() < c.modules[j].GetUri() })
	sort.Slice(c.baseLayers, func(i, j int) bool {
		return c.baseLayers[i].GetDigest()["sha256"] < c.baseLayers[j].GetDigest()["sha256"]
	})
	return c, nil
}

// dirHash is a go.sum "h1:" hash as the hex that in-toto's dirHash
// algorithm takes: both are the SHA-256 of golang.org/x/mod's Hash1.
func dirHash(sum string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sum, "h1:"))
	if !strings.HasPrefix(sum, "h1:") || err != nil || len(b) != 32 {
		return "", false
	}
	return hex.EncodeToString(b), true
}

// binaryInfo is the build information of the first Go executable in l.
func binaryInfo(l v1.Layer) (*buildinfo.BuildInfo, error) {
	var bi *buildinfo.BuildInfo
	err := layer.Walk(l, func(h *tar.Header, content io.Reader) error {
		if h.Typeflag != tar.TypeReg || h.Mode&0o111 == 0 {
			return nil
		}
		data, err := io.ReadAll(content)
		if err != nil {
			return err
		}
		if b, err := buildinfo.Read(bytes.NewReader(data)); err == nil {
			bi = b
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if bi == nil {
		return nil, errors.New("no Go executable in the image's top layer")
	}
	return bi, nil
}
