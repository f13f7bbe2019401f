package testdist

import (
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

func TestMain(m *testing.M) { Main(m) }

// Remove deletes every folder made, and forgets them. It runs before the
// parallel tests, which make the shared ones, start.
func TestRemove(t *testing.T) {
	var dirs []string
	for range 2 {
		d, err := tempDir("testdist-remove-")
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	Remove()
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("Remove() left %s: %v", d, err)
		}
	}
	if len(made) != 0 {
		t.Errorf("Remove() kept %v to remove again", made)
	}
}

// A module that does not compile fails the build.
func TestBuildFails(t *testing.T) {
	t.Parallel()
	if _, err := build(t.Context(), t.TempDir(), t.TempDir()); err == nil {
		t.Errorf("build(a folder without a module) = nil error")
	}
}

// Build builds once: a second call is the first's build, kept whole in
// the cache, whose layout holds this machine's image under the digest
// Build returned.
func TestBuildOnce(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	first := Build(t, "../..")
	if second := Build(t, "../.."); second.Dir() != first.Dir() || second.Digest != first.Digest {
		t.Errorf("Build() twice = %s in %s, then %s in %s; want one build", first.Digest, first.Dir(), second.Digest, second.Dir())
	}
	cache, err := cacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(first.Dir()) != cache || use(first.Dir()) != nil {
		t.Errorf("Build() in %s, want a whole kept build in %s: %v", first.Dir(), cache, use(first.Dir()))
	}
	if d, _ := first.Index(t).Digest(); d != first.Digest {
		t.Errorf("Index() = %s, want %s", d, first.Digest)
	}
	cf, _ := first.Image(t).ConfigFile()
	if got := cf.Platform(); got == nil || !got.Equals(platform.Local()) || cf.Config.Labels["org.opencontainers.image.version"] != Version ||
		cf.Config.Labels["org.opencontainers.image.revision"] != Commit {
		t.Errorf("Image() = %v with labels %v, want %s at version %s, commit %s", got, cf.Config.Labels, platform.Local(), Version, Commit)
	}
}

// Binaries is one program, claimed for each platform asked for.
func TestBinaries(t *testing.T) {
	t.Parallel()
	ps := []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}}
	bins := Binaries(t, ps...)
	if len(bins) != 2 || bins[0].Path != bins[1].Path || bins[0].SHA256 != bins[1].SHA256 || bins[0].Size == 0 {
		t.Fatalf("Binaries() = %+v, want one program twice", bins)
	}
	for i, b := range bins {
		if !b.Platform.Equals(ps[i]) {
			t.Errorf("Binaries()[%d].Platform = %s, want %s", i, b.Platform, ps[i])
		}
	}
	if again := Binaries(t, ps[0]); again[0].Path != bins[0].Path {
		t.Errorf("Binaries() again built %s, want %s", again[0].Path, bins[0].Path)
	}
}
