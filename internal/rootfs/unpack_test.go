package rootfs

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

type entry struct {
	name, link string
	typ        byte
	mode       int64
	data       string
}

func layerOf(t *testing.T, entries ...entry) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: e.mode, Size: int64(len(e.data)), Uid: 65532, Gid: 65532}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, e.data)
	}
	tw.Close()
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func imageOf(t *testing.T, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestUnpack(t *testing.T) {
	needLinux(t)
	lower := layerOf(t,
		entry{name: "etc/", typ: tar.TypeDir, mode: 0o755},
		entry{name: "etc/keep", typ: tar.TypeReg, mode: 0o644, data: "keep"},
		entry{name: "etc/gone", typ: tar.TypeReg, mode: 0o644, data: "gone"},
		entry{name: "opq/", typ: tar.TypeDir, mode: 0o755},
		entry{name: "opq/old", typ: tar.TypeReg, mode: 0o644, data: "old"},
		entry{name: "bin/tool", typ: tar.TypeReg, mode: 0o4755, data: "setuid"},
		entry{name: "tmp/", typ: tar.TypeDir, mode: 0o1777},
	)
	upper := layerOf(t,
		entry{name: "etc/.wh.gone", typ: tar.TypeReg},
		entry{name: "opq/new", typ: tar.TypeReg, mode: 0o644, data: "new"},
		entry{name: "opq/.wh..wh..opq", typ: tar.TypeReg},
		entry{name: "../../escaped", typ: tar.TypeReg, mode: 0o644, data: "inside after all"},
		entry{name: "link", typ: tar.TypeSymlink, link: "etc/keep"},
		entry{name: "hard", typ: tar.TypeLink, link: "../etc/keep"},
		entry{name: "dev/null", typ: tar.TypeChar, mode: 0o666},
		entry{name: "etc/keep", typ: tar.TypeReg, mode: 0o600, data: "replaced"},
		entry{name: "tmp", typ: tar.TypeReg, mode: 0o644, data: "a file where a folder was"},
		entry{name: "bin/tool/", typ: tar.TypeDir, mode: 0o755},
		entry{name: "nowhere/.wh..wh..opq", typ: tar.TypeReg},
	)
	dir := filepath.Join(t.TempDir(), "rootfs")
	st, err := Unpack(imageOf(t, lower, upper), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"etc/keep": "replaced", "opq/new": "new", "escaped": "inside after all", "link": "replaced", "hard": "keep", "tmp": "a file where a folder was"}
	for name, content := range want {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != content {
			t.Errorf("%s = %q, %v; want %q", name, got, err, content)
		}
	}
	for _, name := range []string{"etc/gone", "opq/old", "dev/null"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s exists after unpacking, want it absent", name)
		}
	}
	if st.Skipped != 1 {
		t.Errorf("Skipped = %d, want 1 (the device node)", st.Skipped)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "bin/tool")); !fi.IsDir() {
		t.Errorf("bin/tool is not the folder that replaced the file")
	}
	if fi, _ := os.Stat(filepath.Join(dir, "etc/keep")); os.Geteuid() == 0 && fi.Sys() != nil {
		if uid := statUID(fi); uid != 65532 {
			t.Errorf("etc/keep owner %d, want 65532 (kept as root)", uid)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escaped")); !os.IsNotExist(err) {
		t.Errorf("an entry escaped the root filesystem")
	}
}

// A symlink that points out of the tree cannot be written through.
func TestUnpackModes(t *testing.T) {
	needLinux(t)
	dir := filepath.Join(t.TempDir(), "rootfs")
	_, err := Unpack(imageOf(t, layerOf(t,
		entry{name: "bin/tool", typ: tar.TypeReg, mode: 0o4755, data: "setuid"},
		entry{name: "tmp/", typ: tar.TypeDir, mode: 0o1777},
	)), dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "bin/tool")); fi.Mode()&os.ModeSetuid != 0 || fi.Mode().Perm() != 0o755 {
		t.Errorf("bin/tool mode %v, want 0755 without set-user-ID", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Join(dir, "tmp")); fi.Mode()&os.ModeSticky == 0 || fi.Mode().Perm() != 0o777 {
		t.Errorf("tmp mode %v, want 1777", fi.Mode())
	}
}

// An opaque whiteout that comes after this layer's own entries keeps them,
// and still removes what lower layers put beside them.
func TestUnpackOpaqueKeepsOwnEntries(t *testing.T) {
	needLinux(t)
	dir := filepath.Join(t.TempDir(), "rootfs")
	_, err := Unpack(imageOf(t,
		layerOf(t, entry{name: "opq/sub/old", typ: tar.TypeReg, mode: 0o644, data: "old"}, entry{name: "opq/gone", typ: tar.TypeReg, mode: 0o644, data: "x"}),
		layerOf(t, entry{name: "opq/sub/new", typ: tar.TypeReg, mode: 0o644, data: "new"}, entry{name: "opq/.wh..wh..opq", typ: tar.TypeReg}),
	), dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "opq/sub/new")); err != nil || string(got) != "new" {
		t.Errorf("opq/sub/new = %q, %v; want the layer's own file kept", got, err)
	}
	for _, gone := range []string{"opq/sub/old", "opq/gone"} {
		if _, err := os.Lstat(filepath.Join(dir, gone)); !os.IsNotExist(err) {
			t.Errorf("%s survived the opaque whiteout", gone)
		}
	}
}

func TestUnpackRefusesEscapes(t *testing.T) {
	needLinux(t)
	tests := []struct {
		name    string
		entries []entry
	}{
		{"through absolute symlink", []entry{{name: "evil", typ: tar.TypeSymlink, link: "/"}, {name: "evil/pwned", typ: tar.TypeReg, mode: 0o644, data: "x"}}},
		{"through relative symlink", []entry{{name: "evil", typ: tar.TypeSymlink, link: "../../.."}, {name: "evil/pwned", typ: tar.TypeReg, mode: 0o644, data: "x"}}},
		{"hard link to missing", []entry{{name: "h", typ: tar.TypeLink, link: "/etc/shadow"}}},
		{"whiteout of a parent", []entry{{name: "etc/passwd", typ: tar.TypeReg, mode: 0o644, data: "x"}, {name: "etc/.wh..", typ: tar.TypeReg}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outer := t.TempDir()
			_, err := Unpack(imageOf(t, layerOf(t, tt.entries...)), filepath.Join(outer, "a", "b", "rootfs"))
			if err == nil {
				t.Errorf("Unpack() = nil error, want a refusal")
			}
			matches, _ := filepath.Glob(filepath.Join(outer, "*", "pwned"))
			more, _ := filepath.Glob(filepath.Join(outer, "pwned"))
			if _, err := os.Stat("/pwned"); err == nil || len(matches)+len(more) > 0 {
				t.Errorf("a file was written outside the root filesystem")
			}
		})
	}
}

// needLinux skips, loudly, off Linux, also in CI: the root filesystems
// Unpack writes are for runc, which needs a Linux kernel.
func needLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		testenv.SkipLoudly(t, "unpacking a root filesystem is tested on Linux only (this is "+runtime.GOOS+")")
	}
}

// Unpack says what it was doing when it fails, and an opaque whiteout
// cannot empty a folder outside the tree through a symlink.
func TestUnpackErrors(t *testing.T) {
	needLinux(t)
	outer := t.TempDir()
	canary := filepath.Join(outer, "outside", "canary")
	os.MkdirAll(filepath.Dir(canary), 0o755)
	os.WriteFile(canary, []byte("still here"), 0o644)
	os.WriteFile(filepath.Join(outer, "file"), nil, 0o644)
	garbage, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(bytes.Repeat([]byte("not a tar "), 100))), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, want string
		img             v1.Image
	}{
		{"the folder cannot be made", filepath.Join(outer, "file", "rootfs"), "unpacking: ", imageOf(t)},
		{"a layer that is not a tar", filepath.Join(outer, "a"), "unpacking layer 1: ", imageOf(t, garbage)},
		{"an opaque whiteout through a symlink out", filepath.Join(outer, "b"), "unpacking layer 1: entry evil/.wh..wh..opq: ", imageOf(t, layerOf(t,
			entry{name: "evil", typ: tar.TypeSymlink, link: filepath.Dir(canary)},
			entry{name: "evil/.wh..wh..opq", typ: tar.TypeReg}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Unpack(tt.img, tt.dir); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Unpack() = %v, want an error starting %q", err, tt.want)
			}
			if got, err := os.ReadFile(canary); err != nil || string(got) != "still here" {
				t.Errorf("the file outside the tree = %q, %v; want it untouched", got, err)
			}
		})
	}
}
