package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/semver"
)

// repo makes a git repository whose commits have fixed times.
type repo struct {
	t   *testing.T
	dir string
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	r := &repo{t, t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "tag.gpgSign=false", "-c", "commit.gpgSign=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=@1700000000 +0000", "GIT_AUTHOR_DATE=@1700000000 +0000")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) commit(name string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, name), []byte(name), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.git("add", name)
	r.git("commit", "-q", "-m", name)
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name  string
		setup func(r *repo)
		want  string // a regexp the version must match in full
	}{
		{name: "no commits", setup: func(r *repo) {}, want: `0\.0\.0-dev`},
		{name: "no tags", setup: func(r *repo) { r.commit("a"); r.commit("b") }, want: `0\.0\.1-dev\.2\.g[0-9a-f]{12}`},
		{name: "exact tag", setup: func(r *repo) { r.commit("a"); r.git("tag", "v1.2.3") }, want: `1\.2\.3`},
		{name: "highest of two tags", setup: func(r *repo) { r.commit("a"); r.git("tag", "v1.2.3"); r.git("tag", "v1.10.0") }, want: `1\.10\.0`},
		{name: "exact pre-release tag", setup: func(r *repo) { r.commit("a"); r.git("tag", "v2.0.0-rc.1") }, want: `2\.0\.0-rc\.1`},
		{name: "commits after tag", setup: func(r *repo) { r.commit("a"); r.git("tag", "v1.2.3"); r.commit("b"); r.commit("c") },
			want: `1\.2\.4-dev\.2\.g[0-9a-f]{12}`},
		{name: "commits after pre-release tag", setup: func(r *repo) { r.commit("a"); r.git("tag", "v1.3.0-rc.1"); r.commit("b") },
			want: `1\.3\.0-rc\.1\.dev\.1\.g[0-9a-f]{12}`},
		{name: "non-semver tag ignored", setup: func(r *repo) { r.commit("a"); r.git("tag", "v1.2"); r.commit("b") },
			want: `0\.0\.1-dev\.2\.g[0-9a-f]{12}`},
		{name: "dirty tagged tree", setup: func(r *repo) {
			r.commit("a")
			r.git("tag", "v1.2.3")
			os.WriteFile(filepath.Join(r.dir, "a"), []byte("changed"), 0o644)
		}, want: `1\.2\.4-dev\.0\.g[0-9a-f]{12}\.dirty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRepo(t)
			tt.setup(r)
			got, err := Detect(t.Context(), r.dir)
			if err != nil {
				t.Fatalf("Detect(): %v", err)
			}
			if !regexp.MustCompile(`^` + tt.want + `$`).MatchString(got.Version) {
				t.Errorf("Detect().Version = %q, want match for %s", got.Version, tt.want)
			}
			if !semver.IsValid("v"+got.Version) || !dockerTag.MatchString(got.Version) {
				t.Errorf("Detect().Version = %q is not both SemVer and a Docker tag", got.Version)
			}
		})
	}
}

func TestDetectCommitAndTime(t *testing.T) {
	r := newRepo(t)
	r.commit("a")
	head := r.git("rev-parse", "HEAD")
	got, err := Detect(t.Context(), r.dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Commit != head || !got.Time.Equal(time.Unix(1700000000, 0)) || got.Dirty {
		t.Errorf("Detect() = %+v, want commit %s, time 1700000000, clean", got, head)
	}
}

func TestDetectUnreadableCheckout(t *testing.T) {
	r := newRepo(t)
	r.commit("a")
	// A repository git finds but refuses to read, as with "dubious ownership".
	os.WriteFile(filepath.Join(r.dir, ".git", "config"), []byte("[core\n"), 0o644)
	if _, err := Detect(t.Context(), r.dir); err == nil || !strings.Contains(err.Error(), "reading the version from git") {
		t.Errorf("Detect(unreadable checkout) = %v, want an error that says git could not be read", err)
	}
}

func TestDetectOutsideGit(t *testing.T) {
	got, err := Detect(t.Context(), t.TempDir())
	want := Info{Version: DevVersion, Commit: "unknown", Time: time.Unix(0, 0).UTC()}
	if err != nil || got != want {
		t.Errorf("Detect(not a checkout) = %+v, %v; want %+v", got, err, want)
	}
}

// Every build waits for Detect: it asks git five questions side by side,
// where it used to ask six to eight one after another. A git on PATH
// runs the real one only once five calls are waiting together (or after
// five seconds, saying so), and logs each.
func TestDetectAsksGitSideBySide(t *testing.T) {
	real, err := exec.LookPath("git")
	if err != nil {
		t.Skip("TestDetectAsksGitSideBySide: git is not installed")
	}
	tests := []struct {
		name  string
		setup func(r *repo)
		want  string
	}{
		{"tagged", func(r *repo) { r.commit("a"); r.git("tag", "v1.2.3") }, `1\.2\.3`},
		{"after a tag, dirty", func(r *repo) {
			r.commit("a")
			r.git("tag", "v1.2.3")
			r.commit("b")
			os.WriteFile(filepath.Join(r.dir, "b"), []byte("changed"), 0o644)
		}, `1\.2\.4-dev\.1\.g[0-9a-f]{12}\.dirty`},
		{"no tags", func(r *repo) { r.commit("a") }, `0\.0\.1-dev\.1\.g[0-9a-f]{12}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRepo(t)
			tt.setup(r)
			bin, waiting := t.TempDir(), t.TempDir()
			calls := filepath.Join(bin, "calls")
			script := `#!/bin/sh
touch "` + waiting + `/$$"
i=0
while [ "$(ls "` + waiting + `" | wc -l)" -lt 5 ]; do
  i=$((i + 1))
  if [ $i -gt 100 ]; then echo "alone: $*" >> "` + calls + `"; break; fi
  sleep 0.05
done
echo "$*" >> "` + calls + `"
exec "` + real + `" "$@"
`
			if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			got, err := Detect(t.Context(), r.dir)
			if err != nil || !regexp.MustCompile(`^`+tt.want+`$`).MatchString(got.Version) {
				t.Fatalf("Detect() = %q, %v; want a match for %s", got.Version, err, tt.want)
			}
			log, err := os.ReadFile(calls)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(log), "\n"); n != 5 || strings.Contains(string(log), "alone") {
				t.Errorf("Detect() ran git %d times, not five side by side:\n%s", n, log)
			}
		})
	}
}

// BenchmarkDetect is Detect on this checkout, which every build waits for
// before it compiles.
func BenchmarkDetect(b *testing.B) {
	for b.Loop() {
		if _, err := Detect(b.Context(), "../.."); err != nil {
			b.Fatal(err)
		}
	}
}
