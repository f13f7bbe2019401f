package binary

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"

	"github.com/lehus1/devops-info-service-go/internal/version"
)

// A binary's build information names its main module's version only when
// the module comes from a module proxy: a build in the checkout says
// "(devel)" (or, with -buildvcs, a version from git tags, which VERSION
// cannot set). So the build serves this module's sources, at the version
// being built, from a proxy folder of its own and runs
// `go install <package>@v<VERSION>`, as a user installing a released
// version would. The build information then reads
//
//	mod github.com/lehus1/devops-info-service-go v1.2.3 h1:…
//
// and h1 is the hash of what the proxy served: only the files the binary
// is compiled from (and go.mod), with .go files' line endings made LF as
// the compiler reads them, so the bytes depend on the build's inputs and
// nothing else in the clone.

// moduleVersion is the Go module version for a build's version, such as
// "v1.2.3", or "" when Go's rules give the module none: a module whose
// path has no /vN suffix has only v0 and v1 versions.
func moduleVersion(path, version string) string {
	v := "v" + version
	if module.Check(path, v) != nil {
		return ""
	}
	return v
}

// serveModule writes the module proxy folder (GOPROXY=file://proxy) that
// serves files (paths relative to the module root dir) as mod@version.
func serveModule(proxy, dir string, mod module.Version, files []string) error {
	esc, err := module.EscapePath(mod.Path)
	if err != nil {
		return err
	}
	at := filepath.Join(proxy, filepath.FromSlash(esc), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		return err
	}
	var zf []zip.File
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		if strings.HasSuffix(rel, ".go") || rel == "go.mod" {
			// The compiler drops carriage returns, even in raw strings.
			data = bytes.ReplaceAll(data, []byte("\r"), nil)
		}
		zf = append(zf, memFile{path: rel, data: data})
	}
	var buf bytes.Buffer
	if err := zip.Create(&buf, mod, zf); err != nil {
		return fmt.Errorf("packing the module: %w", err)
	}
	gomod := zf[0].(memFile).data // files starts with go.mod
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{mod.Version, time.Unix(0, 0).UTC()})
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{".zip": buf.Bytes(), ".mod": gomod, ".info": info} {
		if err := os.WriteFile(filepath.Join(at, mod.Version+name), data, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(at, "list"), []byte(mod.Version+"\n"), 0o644)
}

// memFile is a file of the module zip, held in memory.
type memFile struct {
	path string
	data []byte
}

func (f memFile) Path() string                 { return f.path }
func (f memFile) Lstat() (os.FileInfo, error)  { return f, nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }
func (f memFile) Name() string                 { return filepath.Base(f.path) }
func (f memFile) Size() int64                  { return int64(len(f.data)) }
func (f memFile) Mode() fs.FileMode            { return 0o644 }
func (f memFile) ModTime() time.Time           { return time.Unix(0, 0) }
func (f memFile) IsDir() bool                  { return false }
func (f memFile) Sys() any                     { return nil }

// compile builds the binary described by src into tmp and returns its
// path: by `go install <package>@<version>` from a proxy folder in tmp
// when the version can be a Go module version, else by `go build` in dir.
func compile(ctx context.Context, dir string, env []string, tmp string, src sources, flags []string, info version.Info, o options) (string, error) {
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", err
	}
	path := modfile.ModulePath(gomod)
	mod := module.Version{Path: path, Version: moduleVersion(path, info.Version)}
	if mod.Version == "" || src.ImportPath == "" {
		out := filepath.Join(tmp, o.name)
		return out, goBuild(ctx, dir, env, flags, out, o.pkg)
	}
	tmp, err = filepath.Abs(tmp) // GOPATH must be absolute
	if err != nil {
		return "", err
	}
	proxy, gopath := filepath.Join(tmp, "proxy"), filepath.Join(tmp, "gopath")
	if err := serveModule(proxy, dir, mod, src.Files); err != nil {
		return "", err
	}
	env = append(slices.Clone(env), "GOPATH="+gopath, "GOMODCACHE="+filepath.Join(tmp, "modcache"),
		// This module from the folder; its dependencies from the module
		// cache, which holds what go.sum vouched for, then as configured.
		"GOPROXY="+fileURL(proxy)+","+fileURL(filepath.Join(lookup(env, "GOMODCACHE"), "cache", "download"))+","+or(lookup(env, "GOPROXY"), "https://proxy.golang.org,direct"),
		"GONOSUMDB="+strings.Trim(lookup(env, "GONOSUMDB")+","+mod.Path, ","))
	args := append(append([]string{"install", "-modcacherw"}, flags...), src.ImportPath+"@"+mod.Version)
	if err := goCommand(ctx, tmp, env, args...); err != nil {
		return "", err
	}
	// go install puts a cross-compiled binary in bin/<os>_<arch>/.
	var out string
	err = filepath.WalkDir(filepath.Join(gopath, "bin"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = p
		}
		return err
	})
	if err != nil || out == "" {
		return "", fmt.Errorf("go install left no binary in %s: %v", gopath, err)
	}
	return out, nil
}

// lookup is key's value in env, where the last one counts, as in exec.Cmd.
func lookup(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// fileURL is GOPROXY's name for a folder: file:///abs/path (also on Windows).
func fileURL(dir string) string {
	p := filepath.ToSlash(dir)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return "file://" + p
}
