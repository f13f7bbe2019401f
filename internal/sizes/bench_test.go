package sizes

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// BenchmarkCompareLocal is the whole comparison of a local image like the
// service's, a layer holding a Go binary (this test's own, about 10 MB),
// with the recorded baseline: open, measure at full depth, compare. The
// registry is unreachable, as on a machine without network.
func BenchmarkCompareLocal(b *testing.B) {
	img, _ := knownImage(b, "amd64")
	data := testenv.GoBinary(b)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "app/devops-info-service", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data))})
	tw.Write(data)
	tw.Close()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	if err != nil {
		b.Fatal(err)
	}
	if img, err = mutate.AppendLayers(img, layer); err != nil {
		b.Fatal(err)
	}
	dir := writeLayout(b, img)
	for b.Loop() {
		if _, err := Compare(b.Context(), Request{Image: "oci:" + dir, Baseline: "python:3.13-slim", Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}}, Depth: Full}, via(unreachable{})); err != nil {
			b.Fatal(err)
		}
	}
}
