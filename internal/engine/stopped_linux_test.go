package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/testengine"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// smokeStopped: a Ctrl-C at any step of smoke is said as a stop, not as
// the error of the step it cut short (the engine not running, a check
// failed), and leaves no container. (What runs after the last step that
// waits on ctx runs to its end: in a terminal the Ctrl-C cuts its client
// short, and that error is said as the stop.)
func smokeStopped(t *testing.T, e engine.Engine) {
	local := testengine.Dist(t, "../..")
	for _, at := range []string{"", "healthy", "GET / matches"} { // the steps that wait on ctx
		t.Run("at "+at, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			log := &cancelAt{at: at, cancel: cancel}
			if at == "" {
				cancel()
			}
			_, err := engine.Smoke(ctx, engine.Choice{Engine: e}, local, log)
			if !errors.Is(err, engine.ErrSmokeStopped) {
				t.Errorf("Smoke(Ctrl-C at %q) = %v, want %v\n%s", at, err, engine.ErrSmokeStopped, log.String())
			}
			assertNoContainers(t, e)
		})
	}
}

// cancelAt is a log that cancels once a line holding at is written.
type cancelAt struct {
	testenv.Buffer
	at     string
	cancel func()
}

func (w *cancelAt) Write(p []byte) (int, error) {
	if w.at != "" && strings.Contains(string(p), w.at) {
		w.cancel()
	}
	return w.Buffer.Write(p)
}
