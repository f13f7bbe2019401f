package image

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/layer"
)

// binaryWithMode writes the same stand-in executable as fakeBinaries, in a
// folder nested as deep as asked, with the file mode given: Windows has no
// executable bit, so there a binary is 0666 whatever go build meant.
func binaryWithMode(t *testing.T, p v1.Platform, mode os.FileMode, depth int) binary.Artifact {
	t.Helper()
	dir := t.TempDir()
	for i := range depth {
		dir = filepath.Join(dir, "level"+string(rune('a'+i)))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "devops-info-service")
	data := []byte("#!binary for " + p.String() + strings.Repeat(" padding", 1000))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return binary.Artifact{Platform: p, Path: path, SHA256: sha256Hex(data), Size: int64(len(data))}
}

// The index digest does not depend on the binary's mode on disk or on
// where it lies: the layer's modes and owners are set, not copied.
func TestDigestIgnoresHostModeAndPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		mode  os.FileMode
		depth int
	}{
		{"0755 (Linux, macOS)", 0o755, 0},
		{"0644 (Windows has no executable bit)", 0o644, 3},
		{"0600 (a strict umask)", 0o600, 1},
	}
	var want v1.Hash
	for i, tt := range tests {
		bin := binaryWithMode(t, amd64, tt.mode, tt.depth)
		idx, err := Assemble(t.Context(), resolve(t, "static"), []binary.Artifact{bin}, meta)
		if err != nil {
			t.Fatal(err)
		}
		got, err := idx.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want = got
		} else if got != want {
			t.Errorf("Assemble(binary %s) = %s, want %s as with %s", tt.name, got, want, tests[0].name)
		}
		checkLayers(t, idx, bin.Path)
	}
}

// checkLayers reads every layer of the index's image and checks what could
// come from the host: names slash-separated and relative, modes and owners
// the ones the image asks for, and no trace of the binary's host path.
func checkLayers(t *testing.T, idx v1.ImageIndex, hostPath string) {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, _ := img.RawConfigFile(); bytes.Contains(cfg, []byte(filepath.Dir(hostPath))) || bytes.Contains(cfg, []byte(`\\`)) {
		t.Errorf("image config = %s, want no host path and no backslash in it", cfg)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]*tar.Header{}
	for _, l := range layers {
		err := layer.Walk(l, func(h *tar.Header, content io.Reader) error {
			if strings.Contains(h.Name, `\`) || strings.HasPrefix(h.Name, "/") || h.Uname != "" || h.Gname != "" {
				t.Errorf("layer entry %q (user %q, group %q), want a relative slash-separated name and no user or group names", h.Name, h.Uname, h.Gname)
			}
			data, _ := io.ReadAll(content)
			if h.Typeflag == tar.TypeReg && h.Name != "app/devops-info-service" && bytes.Contains(data, []byte("\r")) {
				t.Errorf("layer file %q has a carriage return, want LF line endings", h.Name)
			}
			seen[h.Name] = h
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int64{"app/": 0o755, "app/devops-info-service": 0o755, "etc/passwd": 0o644, "home/nonroot/": 0o700, "tmp/": 0o1777}
	for name, mode := range want {
		h, ok := seen[name]
		if !ok {
			t.Errorf("layers lack %q", name)
			continue
		}
		if h.Mode != mode || name != "home/nonroot/" && (h.Uid != 0 || h.Gid != 0) {
			t.Errorf("layer entry %q = mode %o, owner %d:%d, want mode %o owned by root", name, h.Mode, h.Uid, h.Gid, mode)
		}
	}
}
