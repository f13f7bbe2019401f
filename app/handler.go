package main

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"
)

// deps is everything the handlers need from outside: passed in, never global,
// so tests can fix the clock and the host.
type deps struct {
	service        serviceInfo
	system         systemInfo
	started        time.Time
	now            func() time.Time
	logger         *slog.Logger
	trustedProxies []netip.Prefix
}

// route is one entry of the route table: the mux registers it and GET /
// lists it, so the two can never disagree.
type route struct {
	method, path, description string
	handler                   func(deps, []endpoint) http.Handler
}

// endpoint is a route as GET / lists it.
type endpoint struct {
	Path        string `json:"path"`
	Method      string `json:"method"`
	Description string `json:"description"`
}

var routes = []route{
	{http.MethodGet, "/", "Service information", handleInfo},
	{http.MethodGet, "/health", "Health check", handleHealth},
}

// newHandler builds the service's whole HTTP surface: every route, JSON
// errors for unknown paths and wrong methods, panic recovery and request logs.
func newHandler(d deps) http.Handler {
	endpoints := make([]endpoint, len(routes))
	for i, r := range routes {
		endpoints[i] = endpoint{Path: r.path, Method: r.method, Description: r.description}
	}
	mux := http.NewServeMux()
	for _, r := range routes {
		pattern := r.path
		if pattern == "/" {
			pattern = "/{$}" // exactly "/", not the catch-all subtree
		}
		// A GET pattern serves HEAD too, as the contract requires.
		mux.Handle(r.method+" "+pattern, r.handler(d, endpoints))
	}
	return logRequests(d, recoverPanics(d, jsonErrors(mux)))
}
