package binary

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// An edit saved while a build runs, after its fingerprint was taken but
// before the compiler read the file, and then undone, must not leave the
// edited binary recorded as the build of the undone sources: the next build
// must give what a clean build of them gives. A go command on PATH that
// saves the edit as it starts (`go env` comes between the fingerprint and
// the proxy folder's copy of the sources; `go build` reads them itself)
// opens the window.
func TestBuildEditDuringCompile(t *testing.T) {
	testenv.SkipIfShort(t, "builds a tiny program")
	testenv.SkipOnWindows(t, "a shell script stands in for the go command")
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	amd64 := v1.Platform{OS: "linux", Architecture: "amd64"}
	src := func(word string) string {
		return "package main\n\nvar version string\n\nfunc main() { println(version, \"" + word + "\") }\n"
	}
	tests := []struct {
		name, version, editOn string
	}{
		{"go install from the proxy folder", "1.2.3", "env"},
		{"go build in the module, for a version that is no module version", "2.0.0", "build"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := testInfo
			info.Version = tt.version
			mod, main := tinyModule(t)
			old := time.Now().Add(-time.Minute) // saved before the first build
			for _, p := range []string{mod, main, filepath.Join(mod, "go.mod")} {
				os.Chtimes(p, old, old)
			}
			out := t.TempDir()
			build := func(out string) Artifact {
				t.Helper()
				got, err := Build(t.Context(), mod, info, WithOutput(out), WithPlatforms(amd64), WithPackage("."), WithName("tiny"))
				if err != nil {
					t.Fatal(err)
				}
				return got[0]
			}
			build(out) // the listing is kept: the edit below runs no go list

			testenv.WriteFile(t, main, src("saved"))
			clean := build(t.TempDir())

			// The go command saves "during" over "saved" once, as tt.editOn
			// starts, then runs as itself.
			fake := t.TempDir()
			done := filepath.Join(fake, "done")
			script := "#!/bin/sh\nif [ \"$1\" = " + tt.editOn + " ] && [ ! -e '" + done + "' ]; then\n" +
				"  touch '" + done + "'\n  cat > '" + main + "' <<'EOF'\n" + src("during") + "EOF\nfi\nexec '" + goCmd + "' \"$@\"\n"
			testenv.WriteFile(t, filepath.Join(fake, "go"), script)
			os.Chmod(filepath.Join(fake, "go"), 0o755)
			path := os.Getenv("PATH")
			t.Setenv("PATH", fake+string(os.PathListSeparator)+path)
			build(out)
			if _, err := os.Stat(done); err != nil {
				t.Fatalf("the fake go command never saw go %s", tt.editOn)
			}
			os.Setenv("PATH", path)

			testenv.WriteFile(t, main, src("saved")) // the edit undone
			if got := build(out); got.SHA256 != clean.SHA256 {
				t.Errorf("Build() after an edit during the compile, undone = sha256 %s, want %s (a clean build of the sources)", got.SHA256, clean.SHA256)
			}
		})
	}
}
