package layer

import (
	"archive/tar"
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestMakeTarIsOrderIndependent(t *testing.T) {
	files := []File{{Name: "b", Type: tar.TypeReg, Mode: 0o644, Data: []byte("b")}, {Name: "a", Type: tar.TypeDir, Mode: 0o755}}
	x, err1 := Tar(files, time.Unix(5, 0))
	y, err2 := Tar([]File{files[1], files[0]}, time.Unix(5, 0))
	if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
		t.Errorf("Tar in two orders differs (%v, %v)", err1, err2)
	}
	for _, bad := range []string{"", "/abs", "dir/"} {
		if _, err := Tar([]File{{Name: bad, Type: tar.TypeDir}}, time.Unix(0, 0)); err == nil {
			t.Errorf("Tar(%q) = nil error", bad)
		}
	}
}

// Names are slash-separated on every OS: a backslash, as filepath makes on
// Windows, is refused rather than written into a layer.
func TestMakeTarRefusesBackslashes(t *testing.T) {
	for _, name := range []string{`app\devops-info-service`, `etc\ssl\certs`} {
		if _, err := Tar([]File{{Name: name, Type: tar.TypeReg, Mode: 0o644}}, time.Unix(0, 0)); err == nil || !strings.Contains(err.Error(), "slash-separated") {
			t.Errorf("Tar(%q) = %v, want an error asking for a slash-separated name", name, err)
		}
	}
}
