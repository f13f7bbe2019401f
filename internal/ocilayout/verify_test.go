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

// Prune, which every build runs first, reads the indexes and manifests
// but not the layers: a stray blob goes even when a layer is damaged (it
// used to read every layer back, and left the layout alone then), and
// the damaged layer stays for Verify to find.
func TestPruneReadsNoLayer(t *testing.T) {
	out := outputs(t.TempDir())
	idx := testIndex(t)
	if err := Write(idx, out, "inputs"); err != nil {
		t.Fatal(err)
	}
	img, err := idx.Image(mustManifests(t, idx)[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	d, err := layers[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(out.Layout, "blobs", d.Algorithm, d.Hex)
	stray := filepath.Join(out.Layout, "blobs", "sha256", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	for path, data := range map[string]string{damaged: "not the layer", stray: "left by a stopped build"} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Prune(out.Layout); err != nil {
		t.Fatalf("Prune() = %v", err)
	}
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Errorf("Prune() left the stray blob (Stat: %v), want it removed", err)
	}
	if _, err := os.Stat(damaged); err != nil {
		t.Errorf("Prune() removed the damaged layer the index names: %v", err)
	}
	if err := Verify(out.Layout); err == nil {
		t.Errorf("Verify() after Prune = nil, want the damaged layer found")
	}
}
