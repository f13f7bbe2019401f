package settings

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// gitRepo is a checkout with one commit, at 1700000000.
func gitRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"commit", "-q", "--allow-empty", "-m", "a"},
		{"remote", "add", "origin", "https://tok:en@example.com/a/b.git"}} {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgSign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=@1700000000 +0000", "GIT_AUTHOR_DATE=@1700000000 +0000")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return dir
}

func TestBuildVersion(t *testing.T) {
	dir := gitRepo(t)
	tests := []struct {
		name    string
		env     map[string]string
		version string // "" means git's, 0.0.1-dev.1.g…
		at      int64
		source  string
		wantErr string
	}{
		{name: "git's", at: 1700000000, source: "https://example.com/a/b"},
		{name: "pinned", env: map[string]string{"VERSION": "v3.0.0-beta.2", "SOURCE_DATE_EPOCH": "1234", "IMAGE_SOURCE": "https://x.test/y"},
			version: "3.0.0-beta.2", at: 1234, source: "https://x.test/y"},
		{name: "epoch 0", env: map[string]string{"SOURCE_DATE_EPOCH": "0"}, at: 0, source: "https://example.com/a/b"},
		{name: "last second of 9999", env: map[string]string{"SOURCE_DATE_EPOCH": "253402300799", "VERSION": "1.0.0"}, version: "1.0.0", at: 253402300799, source: "https://example.com/a/b"},
		{name: "VERSION with build metadata", env: map[string]string{"VERSION": "1.0.0+abc"}, wantErr: `VERSION "1.0.0+abc" is not a version`},
		{name: "VERSION shorthand", env: map[string]string{"VERSION": "1.2"}, wantErr: `VERSION "1.2" is not a version`},
		{name: "VERSION junk", env: map[string]string{"VERSION": "latest"}, wantErr: `VERSION "latest" is not a version`},
		{name: "bad SOURCE_DATE_EPOCH", env: map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, wantErr: `SOURCE_DATE_EPOCH must be whole seconds`},
		{name: "negative SOURCE_DATE_EPOCH", env: map[string]string{"SOURCE_DATE_EPOCH": "-1"}, wantErr: `SOURCE_DATE_EPOCH must be whole seconds`},
		{name: "SOURCE_DATE_EPOCH in year 10000", env: map[string]string{"SOURCE_DATE_EPOCH": "253402300800"}, wantErr: `SOURCE_DATE_EPOCH "253402300800" is after the year 9999`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(t.Context(), dir, getenv(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.version; want != "" && s.Version.Version != want || want == "" && !strings.HasPrefix(s.Version.Version, "0.0.1-dev.1.g") {
				t.Errorf("Load().Version.Version = %q, want %q (git's when empty)", s.Version.Version, want)
			}
			if !s.Version.Time.Equal(time.Unix(tt.at, 0)) || s.Version.Time.Location() != time.UTC {
				t.Errorf("Load().Version.Time = %v, want %d UTC", s.Version.Time, tt.at)
			}
			if s.Source != tt.source {
				t.Errorf("Load().Source = %q, want %q", s.Source, tt.source)
			}
		})
	}
}
