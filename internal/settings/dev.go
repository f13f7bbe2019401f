package settings

import (
	"context"
	"fmt"
	"strconv"
)

// Dev is what dev reads: where to serve, how to run each version, and
// build's settings, whose version each build is stamped with (and whose
// base and metadata a container's image is assembled from).
type Dev struct {
	// Port is PORT, where dev serves on 127.0.0.1 (default 8000).
	Port int
	// Container is DEV_CONTAINER=1: each version runs in a container, as
	// run starts it; by default as a plain process.
	Container bool
	Build     Settings
}

// ReadDev reads PORT, DEV_CONTAINER (1 or 0, true or false) and what Load
// reads.
func ReadDev(ctx context.Context, dir string, getenv func(string) string) (Dev, error) {
	port, err := Port(getenv)
	if err != nil {
		return Dev{}, err
	}
	var inContainer bool
	if v := getenv("DEV_CONTAINER"); v != "" {
		if inContainer, err = strconv.ParseBool(v); err != nil {
			return Dev{}, fmt.Errorf("DEV_CONTAINER must be 1 (each version in a container) or 0, got %q", v)
		}
	}
	build, err := Load(ctx, dir, getenv)
	if err != nil {
		return Dev{}, err
	}
	return Dev{Port: port, Container: inContainer, Build: build}, nil
}
