package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// The server's limits, so that a slow or hostile client cannot hold it.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	// maxHeaderBytes and maxConns bound memory under many slow clients:
	// each connection holds at most about 70 KB with a 16 KiB header (Go
	// allows 4 KiB over MaxHeaderBytes before it answers 431), and 1024 of
	// them stay well under 128 MB. docs/service.md says why these.
	maxHeaderBytes = 16 << 10
	maxConns       = 1024
	// shutdownGrace bounds how long in-flight requests may run on after
	// SIGTERM (orchestrators wait about 30 s before they kill); then they
	// are cut off and the process still exits 0.
	shutdownGrace = 20 * time.Second
)

// serve runs the service until ctx is done.
func serve(ctx context.Context, cfg config, stdout io.Writer) error {
	logger := newLogger(stdout, cfg.debug)
	d := deps{
		service:        newServiceInfo(),
		system:         readSystemInfo("/"),
		started:        time.Now(),
		now:            time.Now,
		logger:         logger,
		trustedProxies: cfg.trustedProxies,
	}
	return listenAndServe(ctx, cfg.addr(), newHandler(d), logger)
}

// newServer is an HTTP server with the service's limits.
func newServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// listenAndServe serves h on addr, at most maxConns connections at once,
// until ctx is done; then it stops accepting and lets in-flight requests
// finish, for at most shutdownGrace.
func listenAndServe(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	return serveOn(ctx, newConnLimit(ln, maxConns), h, logger)
}

// serveOn is listenAndServe on a listener of its own.
func serveOn(ctx context.Context, ln *connLimit, h http.Handler, logger *slog.Logger) error {
	srv := newServer(h, logger)
	srv.ConnState = ln.track
	logger.Info("starting", "version", version, "commit", commit, "address", ln.Addr().String())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	logger.Info("shutting down", "grace_seconds", shutdownGrace.Seconds())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// The drain is bounded: what still runs now is cut off, and the
		// stop is still the orderly one the operator asked for.
		logger.Warn("requests still running after the grace period; closing them", "grace_seconds", shutdownGrace.Seconds(), "error", err.Error())
		srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	}
	logger.Info("stopped")
	return nil
}
