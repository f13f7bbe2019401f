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

func noEnv(string) string { return "" }

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(r *repo)
		env     map[string]string
		want    string // a regexp the version must match in full
		wantErr string
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
		{name: "VERSION wins", setup: func(r *repo) { r.commit("a"); r.git("tag", "v1.2.3") }, env: map[string]string{"VERSION": "v3.0.0-beta.2"}, want: `3\.0\.0-beta\.2`},
		{name: "VERSION with build metadata", setup: func(r *repo) {}, env: map[string]string{"VERSION": "1.0.0+abc"}, wantErr: `VERSION "1.0.0+abc" is not a version`},
		{name: "VERSION shorthand", setup: func(r *repo) {}, env: map[string]string{"VERSION": "1.2"}, wantErr: `VERSION "1.2" is not a version`},
		{name: "VERSION junk", setup: func(r *repo) {}, env: map[string]string{"VERSION": "latest"}, wantErr: `VERSION "latest" is not a version`},
		{name: "bad SOURCE_DATE_EPOCH", setup: func(r *repo) {}, env: map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, wantErr: `SOURCE_DATE_EPOCH must be whole seconds`},
		// A time that an image's JSON cannot hold is refused here, before
		// anything is compiled, not when the config is written.
		{name: "SOURCE_DATE_EPOCH in year 10000", setup: func(r *repo) {}, env: map[string]string{"SOURCE_DATE_EPOCH": "253402300800"}, wantErr: `SOURCE_DATE_EPOCH "253402300800" is after the year 9999`},
		{name: "SOURCE_DATE_EPOCH last second of 9999", setup: func(r *repo) {}, env: map[string]string{"SOURCE_DATE_EPOCH": "253402300799", "VERSION": "1.0.0"}, want: `1\.0\.0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRepo(t)
			tt.setup(r)
			got, err := Detect(t.Context(), r.dir, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Detect() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
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
	got, err := Detect(t.Context(), r.dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got.Commit != head || !got.Time.Equal(time.Unix(1700000000, 0)) || got.Dirty {
		t.Errorf("Detect() = %+v, want commit %s, time 1700000000, clean", got, head)
	}
	got, err = Detect(t.Context(), r.dir, func(k string) string { return map[string]string{"SOURCE_DATE_EPOCH": "1234"}[k] })
	if err != nil || !got.Time.Equal(time.Unix(1234, 0)) || got.Time.Location() != time.UTC {
		t.Errorf("Detect() with SOURCE_DATE_EPOCH=1234: time %v, %v; want 1234 UTC", got.Time, err)
	}
}

func TestDetectUnreadableCheckout(t *testing.T) {
	r := newRepo(t)
	r.commit("a")
	// A repository git finds but refuses to read, as with "dubious ownership".
	os.WriteFile(filepath.Join(r.dir, ".git", "config"), []byte("[core\n"), 0o644)
	if _, err := Detect(t.Context(), r.dir, noEnv); err == nil || !strings.Contains(err.Error(), "reading the version from git") {
		t.Errorf("Detect(unreadable checkout) = %v, want an error that says git could not be read", err)
	}
}

func TestDetectOutsideGit(t *testing.T) {
	got, err := Detect(t.Context(), t.TempDir(), noEnv)
	want := Info{Version: DevVersion, Commit: "unknown", Time: time.Unix(0, 0).UTC()}
	if err != nil || got != want {
		t.Errorf("Detect(not a checkout) = %+v, %v; want %+v", got, err, want)
	}
}
