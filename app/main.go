// Command devops-info-service is a small HTTP service that reports what it
// runs on: the service's build, the host system, its own uptime and the
// request it is answering. Its wire contract is SERVICE_SPEC.md.
//
// Usage:
//
//	devops-info-service              serve HTTP on $HOST:$PORT
//	devops-info-service healthcheck  probe /health on $PORT; exit 0 when healthy
//	devops-info-service version      print the version stamped in at build time
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=… -X main.buildDate=…".
// The defaults are what `go run` gives: an honest "not stamped".
var (
	version   = "0.0.0-dev"
	commit    = "unknown"
	buildDate = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, give the next one its default meaning
		// (exit now), for an operator who does not want to wait for the drain.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "devops-info-service:", err)
		os.Exit(exitCode(err))
	}
}

// exitStatus carries a process exit code with an error.
type exitStatus struct {
	code int
	err  error
}

func (e *exitStatus) Error() string { return e.err.Error() }
func (e *exitStatus) Unwrap() error { return e.err }

// usageError marks a mistake of the operator's (bad configuration, unknown
// subcommand): exit status 2, as flag parsing and most Unix tools use.
func usageError(format string, a ...any) error {
	return &exitStatus{code: 2, err: fmt.Errorf(format, a...)}
}

func exitCode(err error) int {
	var es *exitStatus
	if errors.As(err, &es) {
		return es.code
	}
	return 1
}

// run is the whole program with its dependencies passed in, so tests can
// drive it without touching the process's environment or streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd := ""
	if len(args) > 1 {
		cmd = args[1]
	}
	if len(args) > 2 {
		err := usageError("too many arguments; usage: devops-info-service [healthcheck|version]")
		if cmd == "healthcheck" {
			return &exitStatus{code: 1, err: err}
		}
		return err
	}
	switch cmd {
	case "":
		cfg, err := loadConfig(getenv)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stdout)
	case "healthcheck":
		// Exit 0 or 1 only: Docker reserves 2 in a HEALTHCHECK.
		cfg, err := loadConfig(getenv)
		if err != nil {
			return &exitStatus{code: 1, err: err}
		}
		return healthcheck(ctx, cfg)
	case "version":
		_, err := fmt.Fprintf(stdout, "devops-info-service %s (commit %s, built %s)\n", version, commit, buildDate)
		return err
	default:
		return usageError("unknown command %q; usage: devops-info-service [healthcheck|version]", cmd)
	}
}
