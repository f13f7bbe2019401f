// Package smoke holds a running service to the contract of docs/service.md
// over HTTP, and keeps the checks of a smoke test and how each went: the
// same checks whether runc, Docker or Podman runs it.
package smoke

import (
	"fmt"
	"io"
	"time"
)

// StopGrace is how long a smoke test gives the service to exit after
// SIGTERM, under any engine.
const StopGrace = 5 * time.Second

// Check is one smoke check and how it went.
type Check struct {
	Name string
	Err  error
}

// Report is what a smoke test found.
type Report struct {
	Checks []Check
	// Healthy is the time from the engine's start to the first healthy
	// /health; Stopped, from SIGTERM to the exit.
	Healthy, Stopped time.Duration
}

// Failed counts the checks that failed.
func (r Report) Failed() int {
	n := 0
	for _, c := range r.Checks {
		if c.Err != nil {
			n++
		}
	}
	return n
}

// Record is how a smoke test adds a check to r: its result also goes to
// log at once, "ok   name" or "FAIL name: why".
func (r *Report) Record(log io.Writer) func(name string, err error) {
	return func(name string, err error) {
		r.Checks = append(r.Checks, Check{name, err})
		if err != nil {
			fmt.Fprintf(log, "FAIL %s: %v\n", name, err)
		} else {
			fmt.Fprintf(log, "ok   %s\n", name)
		}
	}
}
