package ocilayout

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
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

// The files beside the image are reused only as Write left them: each is
// its document in the layout, byte for byte.
func TestHoldsChecksTheFilesBeside(t *testing.T) {
	tests := []struct {
		name   string
		damage func(sbom string)
		want   bool
	}{
		{"untouched", func(string) {}, true},
		{"deleted", func(sbom string) { os.Remove(sbom) }, false},
		{"edited", func(sbom string) { os.WriteFile(sbom, []byte("{}"), 0o644) }, false},
		{"truncated", func(sbom string) { os.Truncate(sbom, 3) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			idx := testIndex(t)
			atts := sboms(t, idx)
			out := outputs(dir)
			out.Also = []string{filepath.Join(dir, atts[0].Title)}
			testenv.WriteFile(t, out.Also[0], string(atts[0].Data)) // as sbom.Attach writes it
			if err := Write(idx, out, "x", atts...); err != nil {
				t.Fatal(err)
			}
			tt.damage(out.Also[0])
			if _, ok := Holds(out, "x"); ok != tt.want {
				t.Errorf("Holds() with the SBOM beside %s = %v, want %v", tt.name, ok, tt.want)
			}
		})
	}
}
