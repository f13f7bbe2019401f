package lint

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// shebang matches the first line of a POSIX or bash shell script.
var shebang = regexp.MustCompile(`^#!\s*(/usr/bin/env\s+)?(/bin/|/usr/bin/)?(ba)?sh\b`)

// scriptsCheck checks the helpers outside the module's packages: each Go
// program (one file, //go:build ignore, run with `go run`) must be
// gofmt-ed and pass go vet, and each shell script must pass shellcheck.
func scriptsCheck(ctx context.Context, dir string, o options) (string, error) {
	var goFiles, shFiles []string
	for _, root := range o.scripts {
		top := root
		if !filepath.IsAbs(top) {
			top = filepath.Join(dir, root)
		}
		err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && path == top {
				return filepath.SkipDir
			}
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			switch {
			case strings.HasSuffix(path, ".go"):
				goFiles = append(goFiles, rel)
			case isShellScript(path):
				shFiles = append(shFiles, rel)
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("listing the scripts in %s: %w", root, err)
		}
	}
	var findings []string
	for _, f := range goFiles {
		src, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return "", err
		}
		if formatted, err := format.Source(src); err != nil {
			findings = append(findings, fmt.Sprintf("%s: %v", f, err))
			continue
		} else if !bytes.Equal(src, formatted) {
			findings = append(findings, f+": not gofmt-ed (run gofmt -w "+f+")")
		}
		out, err := runGo(ctx, dir, nil, "vet", f)
		if err != nil {
			return "", err
		}
		if out != "" {
			findings = append(findings, strings.TrimRight(out, "\n"))
		}
	}
	if len(shFiles) > 0 {
		out, err := shellcheck(ctx, dir, o, shFiles)
		if err != nil {
			return "", err
		}
		if out != "" {
			findings = append(findings, strings.TrimRight(out, "\n"))
		}
	}
	return strings.Join(findings, "\n"), nil
}

func isShellScript(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	return shebang.MatchString(line)
}

// shellcheck runs shellcheck on files; without it, the scripts go
// unchecked, which is an error where o.needShellcheck says so.
func shellcheck(ctx context.Context, dir string, o options, files []string) (string, error) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		if o.needShellcheck {
			return "", errors.New("shellcheck is not installed, so the shell scripts would go unchecked (on Debian: apt-get install shellcheck)")
		}
		fmt.Fprintln(o.output, "WARNING: shellcheck is not installed: the shell scripts go unchecked")
		return "", nil
	}
	return findings(ctx, dir, nil, "shellcheck", append([]string{"--format=gcc"}, files...)...)
}
