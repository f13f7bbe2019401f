// Package health waits until the service is ready: until its GET /health
// answers 200, as docs/service.md promises. The runners (runc, Docker and
// Podman, dev's processes) wait through it.
package health

import (
	"context"
	"net/http"
	"time"
)

// Wait polls url every interval until it answers 200, and returns nil.
// When exited is closed, Wait returns why(); a nil from why means the
// service runs on (what watched it ended, not the service), and Wait polls
// on. When ctx ends, Wait returns context.Cause(ctx): a caller gives ctx
// a timeout whose cause says what did not happen in time.
func Wait(ctx context.Context, url string, interval time.Duration, exited <-chan struct{}, why func() error) error {
	// No proxy: the service is on this machine. A new connection per poll:
	// a kept one could outlive the process that answered it.
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	for {
		if res, err := client.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			if err := why(); err != nil {
				return err
			}
			exited = nil
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(interval):
		}
	}
}
