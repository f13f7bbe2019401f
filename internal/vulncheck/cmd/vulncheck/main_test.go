package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// module writes a module whose main package is src and returns its folder.
func module(t *testing.T, src string) string {
	t.Helper()
	return testenv.WriteTree(t, t.TempDir(), map[string]string{"go.mod": "module example.test/m\n\ngo 1.26\n", "main.go": src})
}

// The command fails on a vulnerability the source reaches, with its line
// on stdout and the OpenVEX document in dist/sbom; it passes on one only
// imported nowhere; a bad VULNDB is one line. The database's one entry is
// in unicode/utf8, which imports nothing: govulncheck's analysis of a
// program that calls it takes a fraction of a second, where one through
// encoding/json (the package's tests') analyses the runtime too; so this
// test runs under -short as well.
func TestRun(t *testing.T) {
	db, err := filepath.Abs(filepath.Join("testdata", "vulndb"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, vulndb, src string
		scans             bool
		wantErr, wantOut  string // "" none
	}{
		{"reached", "file://" + filepath.ToSlash(db), "package main\n\nimport \"unicode/utf8\"\n\nfunc main() { println(utf8.RuneLen('x')) }\n", true,
			"the code reaches 1 known vulnerabilities", "source: GO-2099-0001 in stdlib@go"},
		{"does not compile", "file://" + filepath.ToSlash(db), "package main\n\nfunc main() { undefined() }\n", false, "undefined", ""},
		{"not reached", "file://" + filepath.ToSlash(db), "package main\n\nfunc main() {}\n", true, "", ""},
		{"bad VULNDB", "ftp://example.test/db", "package main\n\nfunc main() {}\n", false, "VULNDB must be an https:// or file:/// address", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := module(t, tt.src)
			getenv := func(k string) string {
				if k == "VULNDB" {
					return tt.vulndb
				}
				return ""
			}
			var stdout, stderr strings.Builder
			err := run(t.Context(), dir, getenv, &stdout, &stderr)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("run(%s) = %v, want an error with %q (\"\" none); stderr %q", tt.name, err, tt.wantErr, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantOut) || tt.wantOut == "" && stdout.Len() > 0 && strings.Contains(stdout.String(), "GO-2099-0001") {
				t.Errorf("run(%s) stdout = %q, want %q", tt.name, stdout.String(), tt.wantOut)
			}
			if tt.scans {
				if _, err := os.Stat(filepath.Join(dir, "dist", "sbom", "source.openvex.json")); err != nil {
					t.Errorf("run(%s) wrote no dist/sbom/source.openvex.json: %v", tt.name, err)
				}
			}
		})
	}
}
