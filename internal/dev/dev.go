// Package dev is the edit-save-try loop: it serves the service on
// 127.0.0.1:port through a reverse proxy, watches the source, and on each
// saved change compiles a new version, starts it beside the old one on a
// port of its own, and switches the proxy over once it answers /health.
// The old version then finishes what it was serving and stops. The
// listening socket is dev's and outlives every swap, so no connection is
// ever refused; a change that does not compile leaves the old version
// serving.
//
// A proxy rather than handing the listening socket to each version: it
// works the same on Linux, macOS and Windows (which cannot pass a socket
// to a child through exec), and the service needs no change.
package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/container"
	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/version"
)

// Config is what Run serves and watches.
type Config struct {
	// Dir is the module's folder. Default ".".
	Dir string
	// Package is the main package, relative to Dir. Default "./app".
	Package string
	// Watch is the folder of source watched, relative to Dir, with every
	// folder under it; go.mod and go.sum in Dir are watched too. Default
	// "app".
	Watch string
	// Port is where dev serves, on 127.0.0.1; 0 picks a free one (the
	// URL on stdout says which).
	Port int
	// Version is stamped into each build, as build stamps it.
	Version version.Info
	// Runner starts each version. Default Process().
	Runner Runner
	// Quiet is how long a burst of saves must be quiet before a rebuild.
	// Default 100 ms.
	Quiet time.Duration
	// Ready is how long a new version, once started, has to answer
	// /health before it is given up. Default 10 s.
	Ready time.Duration
}

// Grace is how long a version has to finish its requests and exit after
// SIGTERM before it is killed: short, because mage gives a target 5 s
// after Ctrl-C to clean up.
const Grace = 3 * time.Second

// Run serves the service until ctx is done: the URL goes to stdout once
// the first version answers, the service's logs, each reload's line and
// each compile error to logs. It then stops the proxy, the watcher and
// the service, and removes the binaries.
func Run(ctx context.Context, cfg Config, stdout, logs io.Writer) error {
	cfg = withDefaults(cfg)
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port)))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("127.0.0.1:%d is taken; set PORT to a free one", cfg.Port)
		}
		return fmt.Errorf("listening on 127.0.0.1:%d: %w", cfg.Port, err)
	}
	sweepBuilds(logs)
	tmp, release, err := makeBuilds()
	if err != nil {
		ln.Close()
		return err
	}
	defer release()
	compiler, err := binary.NewCompiler(ctx, cfg.Dir, cfg.Package, cfg.Version, cfg.Runner.Platform())
	if err != nil {
		ln.Close()
		if ctx.Err() != nil {
			return nil // Ctrl-C while go env ran: a stop like any other
		}
		return err
	}
	// Watching before the first build: a save during it is not missed.
	w, err := watch(filepath.Join(cfg.Dir, cfg.Watch), cfg.Dir, cfg.Quiet, logs)
	if err != nil {
		ln.Close()
		return err
	}
	defer w.Close()
	l := &loop{cfg: cfg, compiler: compiler, tmp: tmp, logs: logs, proxy: &proxy{why: "the first build is not done yet", logs: logs}}
	defer l.stop()
	srv := &http.Server{Handler: l.proxy, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go srv.Serve(ln)
	defer func() {
		// No new requests, and a second for those in flight; then the
		// version serving them is stopped (l.stop, deferred before).
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
	}()
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(logs, "dev: serving %s; watching %s; Ctrl-C stops\n", url, filepath.Join(cfg.Dir, cfg.Watch))
	if l.reload(ctx, time.Now()) {
		fmt.Fprintln(stdout, url)
	}
	for {
		var exited <-chan struct{}
		b := l.proxy.current()
		if b != nil {
			exited = b.inst.Done()
		}
		select {
		case <-ctx.Done():
			return nil
		case since := <-w.changes:
			if l.reload(ctx, since) && l.n == 1 {
				fmt.Fprintln(stdout, url)
			}
		case <-exited:
			why := "the service exited (" + b.inst.Exited() + "); save a change to start it again"
			l.proxy.unavailable(b, why)
			fmt.Fprintln(logs, "dev: "+why)
			l.retireLater(b, Grace)
		}
	}
}

func withDefaults(cfg Config) Config {
	if cfg.Dir == "" {
		cfg.Dir = "."
	}
	if cfg.Package == "" {
		cfg.Package = "./app"
	}
	if cfg.Watch == "" {
		cfg.Watch = "app"
	}
	if cfg.Runner == nil {
		cfg.Runner = Process()
	}
	if cfg.Quiet == 0 {
		cfg.Quiet = 100 * time.Millisecond
	}
	if cfg.Ready == 0 {
		cfg.Ready = 10 * time.Second
	}
	return cfg
}

// loop builds, starts and swaps versions.
type loop struct {
	cfg      Config
	compiler *binary.Compiler
	tmp      string
	logs     io.Writer
	proxy    *proxy
	builds   int            // binaries compiled, for their names
	n        int            // versions swapped in
	stopping sync.WaitGroup // old versions being stopped
}

// reload compiles, starts and swaps in a new version for a change saved
// at since, and reports whether it did. Whatever fails, the version
// serving now goes on serving.
func (l *loop) reload(ctx context.Context, since time.Time) bool {
	l.builds++
	name := fmt.Sprintf("%s-%d", contract.Name, l.builds)
	if l.cfg.Runner.Platform().OS == "windows" {
		name += ".exe"
	}
	bin := filepath.Join(l.tmp, name)
	start := time.Now()
	if err := l.compiler.Compile(ctx, bin); err != nil {
		l.failed(ctx, err, bin)
		return false
	}
	build := time.Since(start)
	sum, err := fileSum(bin)
	if err != nil {
		l.failed(ctx, err, bin)
		return false
	}
	if cur := l.proxy.current(); cur != nil && cur.sum == sum {
		// Such as a comment: the binary is the one serving.
		os.Remove(bin)
		fmt.Fprintf(l.logs, "dev: no change to the binary (build %.2f s)\n", build.Seconds())
		return false
	}
	port, err := container.FreePort()
	if err != nil {
		l.failed(ctx, err, bin)
		return false
	}
	start = time.Now()
	inst, err := l.cfg.Runner.Start(ctx, bin, port, l.logs)
	if err == nil {
		if err = waitHealthy(ctx, inst, port, l.cfg.Ready); err != nil {
			inst.Stop(Grace)
		}
	}
	if err != nil {
		l.failed(ctx, fmt.Errorf("the new version did not start: %w", err), bin)
		return false
	}
	ready := time.Since(start)
	old := l.proxy.swap(newBackend(port, inst, bin, sum, l.logs))
	l.n++
	if l.n == 1 {
		fmt.Fprintf(l.logs, "dev: started in %.2f s (build %.2f s, ready %.2f s)\n", time.Since(since).Seconds(), build.Seconds(), ready.Seconds())
	} else {
		fmt.Fprintf(l.logs, "reloaded in %.2f s (build %.2f s, ready %.2f s)\n", time.Since(since).Seconds(), build.Seconds(), ready.Seconds())
	}
	if old != nil {
		l.retireLater(old, Grace)
	}
	return true
}

// failed says why a reload did not happen, in one block, and removes its
// binary. A cancelled reload (Ctrl-C) says nothing.
func (l *loop) failed(ctx context.Context, err error, bin string) {
	os.Remove(bin)
	if ctx.Err() != nil {
		return
	}
	var ce *binary.CompileError
	compile := errors.As(err, &ce)
	keep := "; the last good version is still serving"
	if l.proxy.current() == nil {
		keep = "; save a fix to start it"
		why := "the service did not start: see dev's output"
		if compile {
			why = "the service does not build yet: see dev's output"
		}
		l.proxy.unavailable(nil, why)
	}
	if compile {
		fmt.Fprintf(l.logs, "dev: build failed%s:\n%s", keep, ce.Output)
		return
	}
	fmt.Fprintf(l.logs, "dev: %v%s\n", err, keep)
}

// retireLater retires old in the background.
func (l *loop) retireLater(old *backend, drain time.Duration) {
	l.stopping.Add(1)
	go func() {
		defer l.stopping.Done()
		l.retire(old, drain)
	}()
}

// retire lets old finish the requests it has, for at most drain, stops it
// and removes its binary.
func (l *loop) retire(old *backend, drain time.Duration) {
	old.drain(drain)
	if err := old.inst.Stop(Grace); err != nil {
		fmt.Fprintf(l.logs, "dev: stopping the old version: %v\n", err)
	}
	os.Remove(old.bin)
}

// stop stops the version serving and waits for the old ones to stop.
// mage exits 5 s after a Ctrl-C whether its target is done or not (at
// most a second of it goes to the requests in flight): a container's stop
// that takes longer goes on after dev exits (engine.HandOff).
func (l *loop) stop() {
	if b := l.proxy.swap(nil); b != nil {
		// The proxy has stopped: what it still serves is being cut off.
		l.retire(b, 500*time.Millisecond)
	}
	l.stopping.Wait()
}
