package ocilayout

import (
	"os"
	"path/filepath"
	"testing"
)

// VerifyEntry checks one image of a shared layout: a damaged blob fails
// the image that names it and no other.
func TestVerifyEntry(t *testing.T) {
	out := outputs(t.TempDir())
	if err := Write(testIndex(t), out, "inputs"); err != nil {
		t.Fatal(err)
	}
	idx, _, err := Read(out.Layout)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	good, bad := im.Manifests[0], im.Manifests[1]
	img, err := idx.Image(bad.Digest)
	if err != nil {
		t.Fatal(err)
	}
	config, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out.Layout, "blobs", config.Algorithm, config.Hex), []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := VerifyEntry(out.Layout, good); err != nil {
		t.Errorf("VerifyEntry(%s, whole) = %v, want nil", good.Platform, err)
	}
	if err := VerifyEntry(out.Layout, bad); err == nil {
		t.Errorf("VerifyEntry(%s, its config damaged) = nil, want an error", bad.Platform)
	}
}
