package container

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
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

func TestSpec(t *testing.T) {
	rootfs := t.TempDir()
	os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755)
	os.WriteFile(filepath.Join(rootfs, "etc", "passwd"), []byte("root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65533::/home/nonroot:/sbin/nologin\n"), 0o644)
	os.WriteFile(filepath.Join(rootfs, "etc", "group"), []byte("root:x:0:\nstaff:x:50:\n"), 0o644)
	tests := []struct {
		user             string
		wantUID, wantGID uint32
		wantErr          string
	}{
		{"", 0, 0, ""},
		{"65532:65532", 65532, 65532, ""},
		{"1000", 1000, 1000, ""},
		{"nonroot", 65532, 65533, ""},
		{"nonroot:staff", 65532, 50, ""},
		{"ghost", 0, 0, `"ghost" is not in passwd`},
		{"nonroot:ghosts", 0, 0, `"ghosts" is not in group`},
	}
	for _, tt := range tests {
		cf := &v1.ConfigFile{Config: v1.Config{User: tt.user, Entrypoint: []string{"/app/x"}, Cmd: []string{"serve"}, Env: []string{"PATH=/bin", "PORT=8000"}}}
		spec, err := Spec(cf, rootfs, []string{"PORT=9000", "HOST=127.0.0.1"})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Spec(user %q) error = %v, want %q", tt.user, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Spec(user %q): %v", tt.user, err)
		}
		if spec.Process.User.UID != tt.wantUID || spec.Process.User.GID != tt.wantGID {
			t.Errorf("Spec(user %q) = %d:%d, want %d:%d", tt.user, spec.Process.User.UID, spec.Process.User.GID, tt.wantUID, tt.wantGID)
		}
		if got := strings.Join(spec.Process.Env, " "); got != "PATH=/bin PORT=9000 HOST=127.0.0.1" {
			t.Errorf("Spec() env = %q", got)
		}
		if got := strings.Join(spec.Process.Args, " "); got != "/app/x serve" || spec.Process.Cwd != "/" {
			t.Errorf("Spec() args %q cwd %q, want /app/x serve in /", got, spec.Process.Cwd)
		}
		if !spec.Root.Readonly || !spec.Process.NoNewPrivileges || len(spec.Process.Capabilities.Effective) != 0 {
			t.Errorf("Spec() must be read-only, no new privileges, no capabilities")
		}
		checkConfinement(t, spec)
	}
	if _, err := Spec(&v1.ConfigFile{}, rootfs, nil); err == nil {
		t.Errorf("Spec(no entrypoint) = nil error")
	}
}

// The user database is read inside the image: a symlink to a host file
// cannot choose the container's user.
func TestSpecUserLookupStaysInside(t *testing.T) {
	host := filepath.Join(t.TempDir(), "hostsecret")
	os.WriteFile(host, []byte("svc:x:4242:4343::/:/bin/sh\n"), 0o644)
	rootfs := t.TempDir()
	os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755)
	os.Symlink(host, filepath.Join(rootfs, "etc", "passwd"))
	cf := &v1.ConfigFile{Config: v1.Config{User: "svc", Entrypoint: []string{"/x"}}}
	if spec, err := Spec(cf, rootfs, nil); err == nil {
		t.Errorf("Spec(passwd linked to a host file) ran as %d:%d, want an error", spec.Process.User.UID, spec.Process.User.GID)
	}
}
