package image

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// The program is named by its Go build ID where it has one (this test
// binary, on Linux), else by all its bytes.
func TestHashProgram(t *testing.T) {
	t.Parallel()
	sum := func(data string) [32]byte {
		t.Helper()
		path := filepath.Join(t.TempDir(), "prog")
		if err := os.WriteFile(path, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		h := sha256.New()
		hashProgram(h, f)
		return [32]byte(h.Sum(nil))
	}
	if sum("not ELF one") == sum("not ELF two") {
		t.Errorf("hashProgram() of two files that are not ELF and differ is the same")
	}
	data := testenv.GoBinary(t)
	if same := sum(string(data)) == sum(string(data)+"x"); same != (runtime.GOOS == "linux") {
		t.Errorf("hashProgram(this test binary) the same with a byte added at its end: %v, want %v (build ID read on Linux only)", same, runtime.GOOS == "linux")
	}
}
