package testregistry

import (
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// New is Start for test t: a registry in a folder of t's, stopped when t
// ends, accepting user with password. Where docker-registry is not
// installed the test fails in CI and skips, loudly, elsewhere.
func New(t testing.TB, user, password string) *Server {
	t.Helper()
	testenv.MustHaveExec(t, Binary, "apt-get install docker-registry")
	s, err := Start(t.TempDir(), user, password)
	if err != nil {
		t.Fatalf("starting the test registry: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
