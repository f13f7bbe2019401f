package binary

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.out != "" {
		os.RemoveAll(shared.out)
	}
	os.Exit(code)
}

// shared is one Build of the service at testInfo for platform.Default,
// made the first time a test asks, into a folder TestMain removes: the
// tests that only read a build of the repository share it instead of
// linking the service again each.
var shared struct {
	once     sync.Once
	out      string
	built    []Artifact
	progress string
	err      error
}

// sharedBuild is that build and what it logged; a test must not change it.
func sharedBuild(t *testing.T) ([]Artifact, string) {
	t.Helper()
	testenv.SkipIfShort(t, "builds the service")
	root := testenv.ModuleRoot(t)
	shared.once.Do(func() {
		if shared.out, shared.err = os.MkdirTemp("", "binary-test-"); shared.err != nil {
			return
		}
		var progress strings.Builder
		shared.built, shared.err = Build(context.Background(), root, testInfo, WithOutput(shared.out), WithProgress(&progress))
		shared.progress = progress.String()
	})
	if shared.err != nil {
		t.Fatalf("building the service: %v", shared.err)
	}
	return shared.built, shared.progress
}

// sharedFor is the shared build's binary for p's OS and architecture,
// which are all the compiler is told.
func sharedFor(t *testing.T, p v1.Platform) Artifact {
	t.Helper()
	built, _ := sharedBuild(t)
	for _, a := range built {
		if a.Platform.OS == p.OS && a.Platform.Architecture == p.Architecture {
			return a
		}
	}
	t.Fatalf("the shared build has no %s binary", p)
	return Artifact{}
}
