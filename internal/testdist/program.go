package testdist

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/binary"
)

var (
	programOnce sync.Once
	program     binary.Artifact
	programErr  error
)

// Binaries is one small static Go program, built for this machine once per
// test binary, standing in for the service on each platform ps: an image
// that is read, not run, needs no more, and its SBOM still has a real Go
// binary's build information to describe.
func Binaries(t testing.TB, ps ...v1.Platform) []binary.Artifact {
	t.Helper()
	programOnce.Do(func() { program, programErr = buildProgram() })
	if programErr != nil {
		t.Fatalf("building the stand-in program: %v", programErr)
	}
	var out []binary.Artifact
	for _, p := range ps {
		a := program
		a.Platform = p
		out = append(out, a)
	}
	return out
}

func buildProgram() (binary.Artifact, error) {
	dir, err := tempDir("testdist-program-")
	if err != nil {
		return binary.Artifact{}, err
	}
	files := map[string]string{"go.mod": "module example.com/svc\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() { println(\"hello\") }\n"}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return binary.Artifact{}, err
		}
	}
	// Without symbols (-s -w) it is a third smaller, and so is the layer
	// every image test compresses; the build information stays.
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", "svc", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return binary.Artifact{}, fmt.Errorf("go build: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "svc")
	data, err := os.ReadFile(path)
	if err != nil {
		return binary.Artifact{}, err
	}
	sum := sha256.Sum256(data)
	return binary.Artifact{Path: path, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}, nil
}
