package binary

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
)

// Go's own up-to-date check reads the build ID inside the binary, which a
// reproducible build leaves empty, so `go build` would relink every time.
// Instead, each binary gets a sidecar file with a fingerprint of all that
// goes into it; when that is unchanged and the binary is the one recorded,
// the build is skipped.

// sources are what go list says one platform's binary is compiled from.
type sources struct {
	// ImportPath is the main package's.
	ImportPath string
	// Files are the main module's files in the build, relative to its root
	// and slash-separated, go.mod first.
	Files []string
}

// fingerprint hashes what the binary for one platform is made of: the Go
// release, the flags, the pinned environment, go.mod and go.sum, and the
// content of every source file of every non-standard package it imports
// (the files `go list` selects for that platform).
func fingerprint(ctx context.Context, dir, pkg string, args, env []string) (string, sources, error) {
	const sep = "\x1f" // no NUL: it cannot pass through argv
	tmpl := `{{if not .Standard}}{{.ImportPath}}` + sep + `{{.Dir}}` + sep + `{{with .Module}}{{if .Main}}{{.Dir}}{{end}}{{end}}` + sep +
		`{{range .GoFiles}}{{.}}` + sep + `{{end}}{{range .SFiles}}{{.}}` + sep + `{{end}}{{range .HFiles}}{{.}}` + sep + `{{end}}` +
		`{{range .EmbedFiles}}{{.}}` + sep + `{{end}}{{range .SysoFiles}}{{.}}` + sep + `{{end}}` + "\n{{end}}"
	// -buildvcs=false: with GOENV off, go list would otherwise run git
	// seven times to stamp a version that the template never reads.
	cmd := exec.CommandContext(ctx, "go", "list", "-buildvcs=false", "-deps", "-f", tmpl, pkg)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", sources{}, fmt.Errorf("go list %s: %w: %s", pkg, err, strings.TrimSpace(stderr.String()))
	}
	h := sha256.New()
	for _, a := range args {
		fmt.Fprintf(h, "arg %q\n", a)
	}
	for _, kv := range env[len(env)-len(pinned(v1.Platform{}, "")):] {
		fmt.Fprintf(h, "env %q\n", kv)
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		if err := hashInto(h, filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			return "", sources{}, err
		}
	}
	src := sources{Files: []string{"go.mod"}}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(strings.TrimSuffix(line, sep), sep)
		if len(fields) < 3 {
			continue
		}
		src.ImportPath = fields[0] // -deps lists the named package last
		fmt.Fprintf(h, "pkg %s\n", fields[0])
		for _, f := range fields[3:] {
			fmt.Fprintf(h, "file %s\n", f)
			if err := hashInto(h, filepath.Join(fields[1], f)); err != nil {
				return "", sources{}, err
			}
			if root := fields[2]; root != "" { // a file of the main module
				rel, err := filepath.Rel(root, filepath.Join(fields[1], f))
				if err != nil {
					return "", sources{}, err
				}
				src.Files = append(src.Files, filepath.ToSlash(rel))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), src, nil
}

func hashInto(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	fmt.Fprintf(w, "%x\n", h.Sum(nil))
	return nil
}

// sidecar is where a binary's fingerprint is kept.
func sidecar(binary string) string {
	return filepath.Join(filepath.Dir(binary), "."+filepath.Base(binary)+".inputs")
}

// upToDate returns the artifact at path if it was built from fp and has
// not been touched since.
func upToDate(path, fp string, p v1.Platform) (Artifact, bool) {
	data, err := os.ReadFile(sidecar(path))
	if err != nil {
		return Artifact{}, false
	}
	f := strings.Fields(string(data))
	if len(f) != 3 || f[0] != fp {
		return Artifact{}, false
	}
	sum, size, err := hashFile(path)
	if err != nil || sum != f[1] || strconv.FormatInt(size, 10) != f[2] {
		return Artifact{}, false
	}
	return Artifact{Platform: p, Path: path, SHA256: sum, Size: size}, true
}

// record writes the sidecar, whole or not at all.
func record(a Artifact, fp string) error {
	return atomicfile.WriteFile(sidecar(a.Path), []byte(fmt.Sprintf("%s %s %d\n", fp, a.SHA256, a.Size)))
}
