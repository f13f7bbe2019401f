package testengine

import (
	"bytes"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/engine"
)

// Case is one test of Share's: its name, what it does with the engine,
// and the one engine it is for, if not for every one.
type Case struct {
	Name string
	Test func(t *testing.T, e engine.Engine)
	Only string // engine.Docker or engine.Podman; "" for both
}

// Share runs each of cases as a subtest of each of Engines, started once
// for them all: each engine's cases one after another, on an engine none
// else uses (so what one leaves, the next sees), and the engines beside
// each other (they share nothing; see the package comment). It returns
// when both are done and stopped.
func Share(t *testing.T, cases []Case) {
	var wg sync.WaitGroup
	for _, tt := range Engines {
		wg.Go(func() {
			t.Run(tt.Name, func(t *testing.T) {
				e := tt.Start(t)
				for _, c := range cases {
					if c.Only == "" || c.Only == e.Name {
						t.Run(c.Name, func(t *testing.T) { c.Test(t, e) })
					}
				}
			})
		})
	}
	wg.Wait()
}

// DockerWithDist starts dockerd for t, as Docker does, and loads Dist's
// image into it, tagged Tag. root is the repository's root.
func DockerWithDist(t *testing.T, root string) (engine.Engine, engine.Local) {
	t.Helper()
	e := Docker(t)
	local := Dist(t, root)
	Run(t, e, "load", "--input", local.Tarball)
	return e, local
}

// Run runs e's client with args and returns what it printed on stdout; a
// failure ends t with what it printed on stderr.
func Run(t testing.TB, e engine.Engine, args ...string) string {
	t.Helper()
	out, err := exec.Command(e.Path, slices.Concat(e.Args, args)...).Output()
	if err != nil {
		var exit *exec.ExitError
		var stderr []byte
		if errors.As(err, &exit) {
			stderr = bytes.TrimSpace(exit.Stderr)
		}
		t.Fatalf("%s %s: %v: %s", e.Name, strings.Join(args, " "), err, stderr)
	}
	return string(out)
}
