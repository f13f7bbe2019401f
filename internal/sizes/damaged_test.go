package sizes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// A layout whose manifest is damaged is an error naming the layout, at
// either depth: never an image of 0 MB that passes the gate.
func TestDamagedLayoutIsAnError(t *testing.T) {
	for _, depth := range []Depth{Manifests, Full} {
		img, _ := knownImage(t, "amd64")
		dir := writeLayout(t, img)
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		blob, err := layout.Path(dir).Blob(d)
		if err != nil {
			t.Fatal(err)
		}
		blob.Close()
		// Valid JSON, so a reader that does not check the digest sees an
		// image without layers.
		if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", d.Hex), []byte(`{"schemaVersion":2}`), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Compare(t.Context(), Request{Image: "oci:" + dir, Baseline: "recorded:python:3.13-slim", Depth: depth})
		if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("Compare(damaged layout, depth %d) = %+v, %v; want an error naming %s as damaged", depth, r.Comparisons, err, dir)
		}
	}
}
