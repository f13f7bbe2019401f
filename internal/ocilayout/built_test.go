package ocilayout

import (
	"path/filepath"
	"testing"
)

// Before any build there is no dist/oci: each reader says there is no
// image yet, and how to make one, rather than that the layout is damaged.
func TestNoImageYet(t *testing.T) {
	for _, dir := range []string{filepath.Join(t.TempDir(), "dist", "oci"), t.TempDir()} {
		want := "no image in " + dir + " yet: run `go tool mage build` first"
		_, _, readErr := Read(dir)
		for name, err := range map[string]error{"Verify": Verify(dir), "Read": readErr, "Built": Built(dir)} {
			if err == nil || err.Error() != want {
				t.Errorf("%s(%s) = %v, want %q", name, dir, err, want)
			}
		}
	}
	dir := t.TempDir()
	if err := Write(testIndex(t), outputs(dir), "inputs"); err != nil {
		t.Fatal(err)
	}
	if err := Built(outputs(dir).Layout); err != nil {
		t.Errorf("Built(a layout) = %v, want nil", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	idx := testIndex(t)
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(idx, outputs(dir), "inputs"); err != nil {
		t.Fatal(err)
	}
	img, err := Load(outputs(dir).Layout)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := img.Index.Digest(); err != nil || got != d || len(img.Artifacts) != 0 {
		t.Errorf("Load() = index %s, %d artifacts, %v; want %s, none", got, len(img.Artifacts), err, d)
	}
	if _, err := Load(filepath.Join(dir, "nothing")); err == nil {
		t.Errorf("Load(no layout) = nil error, want one")
	}
}
