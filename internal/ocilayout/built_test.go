package ocilayout

import (
	"os"
	"path/filepath"
	"strings"
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
	sbom := func(out Outputs) string { return out.Also[0] }
	tarball := func(out Outputs) string { return out.Tarball }
	tests := []struct {
		name   string
		file   func(Outputs) string
		damage func(t *testing.T, path string)
		want   bool
	}{
		{"untouched", sbom, func(*testing.T, string) {}, true},
		{"SBOM deleted", sbom, func(_ *testing.T, p string) { os.Remove(p) }, false},
		{"SBOM edited", sbom, func(_ *testing.T, p string) { os.WriteFile(p, []byte("{}"), 0o644) }, false},
		{"SBOM truncated", sbom, func(_ *testing.T, p string) { os.Truncate(p, 3) }, false},
		{"tarball truncated", tarball, func(_ *testing.T, p string) { os.Truncate(p, 1000) }, false},
		{"tarball grown", tarball, func(t *testing.T, p string) { appendTo(t, p, make([]byte, 1024)) }, false},
		{"tarball's config edited", tarball, func(t *testing.T, p string) { flipIn(t, p, `"architecture"`) }, false},
		{"tarball's manifest edited", tarball, func(t *testing.T, p string) { flipIn(t, p, "svc:latest") }, false},
		{"tarball of other tags", tarball, func(t *testing.T, p string) {
			other := outputs(t.TempDir())
			other.TarballTags = []string{"example.com/svc:9.9.9"}
			if err := Write(testIndex(t), other, "y"); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(other.Tarball)
			if err != nil {
				t.Fatal(err)
			}
			testenv.WriteFile(t, p, string(data))
		}, false},
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
			tt.damage(t, tt.file(out))
			if _, ok := Holds(out, "x"); ok != tt.want {
				t.Errorf("Holds() with the %s = %v, want %v", tt.name, ok, tt.want)
			}
		})
	}
}

// flipIn changes a byte of the first place the file at path holds s.
func flipIn(t *testing.T, path, s string) {
	t.Helper()
	data, err := os.ReadFile(path)
	i := strings.Index(string(data), s)
	if err != nil || i < 0 {
		t.Fatalf("reading %s: %v; want it to hold %s", path, err, s)
	}
	data[i+1] ^= 0x20
	testenv.WriteFile(t, path, string(data))
}

// appendTo adds data at the end of the file at path.
func appendTo(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}
