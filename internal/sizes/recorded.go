package sizes

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/platform"
)

//go:embed python-3.13-slim.json
var pythonSlimJSON []byte

// Record is a baseline's published figures, kept in the repository for
// machines that cannot reach its registry.
type Record struct {
	Name        string `json:"name"`
	Reference   string `json:"reference"`
	Source      string `json:"source"`
	IndexDigest string `json:"index_digest"`
	Platforms   map[string]struct {
		ManifestDigest string `json:"manifest_digest"`
		ConfigDigest   string `json:"config_digest"`
		Layers         []struct {
			Digest     string `json:"digest"`
			Compressed int64  `json:"compressed_bytes"`
		} `json:"layers"`
		PublishedTotal int64 `json:"published_total_bytes"`
		OnDisk         *struct {
			Approximate int64  `json:"approximate_bytes"`
			Published   string `json:"as_published"`
			Source      string `json:"source"`
			Note        string `json:"note"`
		} `json:"on_disk"`
	} `json:"platforms"`
}

var records = func() []Record {
	var r Record
	if err := json.Unmarshal(pythonSlimJSON, &r); err != nil {
		panic("sizes: the recorded baseline does not parse: " + err.Error())
	}
	return []Record{r}
}()

// Recorded is the recorded figures of the image ref names, if the
// project ships them.
func Recorded(ref string) (*Record, bool) {
	r, err := name.ParseReference(strings.TrimPrefix(ref, "docker://"))
	if err != nil {
		return nil, false
	}
	for i := range records {
		if records[i].Reference == r.Name() {
			return &records[i], true
		}
	}
	return nil, false
}

// Platforms lists the recorded platforms, sorted.
func (r *Record) platforms() []string {
	var out []string
	for p := range r.Platforms {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Image is the recorded figures for pl, marked as such; they are
// recorded by platform.Label.
func (r *Record) Image(pl v1.Platform) (Image, error) {
	platform := platform.Label(pl)
	p, ok := r.Platforms[platform]
	if !ok {
		return Image{}, fmt.Errorf("the recorded baseline %s has no %s figures (it has: %s)", r.Name, platform, strings.Join(r.platforms(), ", "))
	}
	img := Image{
		Name:     r.Name,
		Platform: platform,
		Digest:   p.ManifestDigest,
		Origin:   "recorded",
		Note: fmt.Sprintf("recorded, not measured: figures from %s; index %s, manifest %s; compressed size is the layers only (the config's size was not published)",
			r.Source, r.IndexDigest, p.ManifestDigest),
	}
	for _, l := range p.Layers {
		img.Layers = append(img.Layers, Layer{Digest: l.Digest, Compressed: l.Compressed})
		img.Compressed += l.Compressed
	}
	if p.OnDisk != nil {
		n := p.OnDisk.Approximate
		img.Uncompressed = &n
		img.UncompressedApproximate = true
		img.Note += fmt.Sprintf("; on disk %q from %s, %s", p.OnDisk.Published, p.OnDisk.Source, p.OnDisk.Note)
	}
	return img, nil
}
