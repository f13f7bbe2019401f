package ocilayout

import (
	"archive/tar"
	"crypto/rand"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lehus1/devops-info-service-go/internal/layer"
)

// BenchmarkWrite is what an edit build does last: it sweeps the outputs
// (Lock does, first) and writes a new image of two platforms, each with a
// 3 MB layer, over the last one, tarball included.
func BenchmarkWrite(b *testing.B) {
	out := outputs(b.TempDir())
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range []v1.Platform{amd64, arm64} {
		data := make([]byte, 3<<20)
		rand.Read(data)
		tb, err := layer.Tar([]layer.File{{Name: "x", Type: tar.TypeReg, Mode: 0o755, Data: data}}, time.Unix(0, 0))
		if err != nil {
			b.Fatal(err)
		}
		l, err := layer.New(tb, layer.Gzip, types.OCILayer)
		if err != nil {
			b.Fatal(err)
		}
		img, err := mutate.AppendLayers(empty.Image, l)
		if err != nil {
			b.Fatal(err)
		}
		img = mutate.MediaType(img, types.OCIManifestSchema1)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	for b.Loop() {
		if err := Sweep(out); err != nil {
			b.Fatal(err)
		}
		if err := Write(idx, out, "inputs"); err != nil {
			b.Fatal(err)
		}
	}
}
