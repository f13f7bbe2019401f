package binary

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// checkout copies the module's build inputs (go.mod, go.sum and app/'s
// non-test sources) to a new folder, with each line ending in eol, as a
// Windows checkout without .gitattributes would have them (eol "\r\n").
func checkout(t *testing.T, root, eol string) string {
	t.Helper()
	dir := t.TempDir()
	testenv.CopyFiles(t, root, dir, func(data []byte) []byte {
		return bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte(eol))
	}, "app/*.go", "go.mod", "go.sum")
	return dir
}

// A checkout whose sources end their lines in CRLF (Windows, without
// .gitattributes) builds the same bytes as one with LF, in another folder:
// the image digest does not depend on the host's line endings or paths.
// The LF build is the shared one of the repository, when its checkout has
// LF line endings.
func TestBuildIgnoresLineEndingsAndFolder(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	root := testenv.ModuleRoot(t)
	amd64 := v1.Platform{OS: "linux", Architecture: "amd64"}
	build := func(eol string) string {
		t.Helper()
		dir := checkout(t, root, eol)
		if data, _ := os.ReadFile(filepath.Join(dir, "app", "main.go")); bytes.Contains(data, []byte("\r\n")) != (eol == "\r\n") {
			t.Fatalf("checkout(%q) wrote app/main.go with other line endings", eol)
		}
		got, err := Build(t.Context(), dir, testInfo, WithOutput(t.TempDir()), WithPlatforms(amd64))
		if err != nil {
			t.Fatalf("Build(%q line endings) = %v", eol, err)
		}
		return got[0].SHA256
	}
	lf := sharedFor(t, amd64).SHA256
	if data, err := os.ReadFile(filepath.Join(root, "app", "main.go")); err != nil || bytes.Contains(data, []byte("\r")) {
		lf = build("\n")
	}
	if crlf := build("\r\n"); lf != crlf {
		t.Errorf("Build() with LF = %s, with CRLF = %s, want the same bytes", lf, crlf)
	}
}
