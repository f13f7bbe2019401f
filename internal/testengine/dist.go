package testengine

import (
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/testdist"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// Version and Tag are what Dist's image says it is and is called.
const (
	Version = testdist.Version
	Tag     = testdist.Repository + ":" + Version
)

// Dist is the real service for this machine as build writes it (an OCI
// layout and a tarball tagged Tag and :latest), built once per suite by
// testdist into the user's cache and shared by every test binary. root is
// the repository's root.
func Dist(t testing.TB, root string) engine.Local {
	t.Helper()
	testenv.SkipIfShort(t, "builds the service image")
	return engine.Dist(testdist.Build(t, root).Dir())
}
