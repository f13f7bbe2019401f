package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthcheckTimeout stays under Docker's default HEALTHCHECK timeout (30 s)
// and any sane probe interval.
const healthcheckTimeout = 3 * time.Second

// healthcheck asks this host's service for /health: the image has no shell
// and no curl, so the binary carries its own probe.
func healthcheck(ctx context.Context, cfg config) error {
	host := cfg.host
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	url := "http://" + netJoin(host, cfg.port) + "/health"
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("probing %s: %w", url, err)
	}
	req.Header.Set("User-Agent", "devops-info-service-healthcheck")
	// No proxy: the probe is for this host, whatever HTTP_PROXY says.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return &exitStatus{code: 1, err: fmt.Errorf("probing %s: %w", url, err)}
	}
	defer resp.Body.Close()
	var body healthResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body); err != nil {
		return &exitStatus{code: 1, err: fmt.Errorf("probing %s: status %d, reading body: %w", url, resp.StatusCode, err)}
	}
	if resp.StatusCode != http.StatusOK || body.Status != "healthy" {
		return &exitStatus{code: 1, err: fmt.Errorf("probing %s: status %d, %q", url, resp.StatusCode, body.Status)}
	}
	return nil
}
