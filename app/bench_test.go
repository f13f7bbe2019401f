package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discardWriter is a ResponseWriter that costs nothing, so the benchmarks
// measure the handler chain (routing, JSON, logging) and not a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

func benchmarkRoute(b *testing.B, path string) {
	d := testDeps(io.Discard)
	d.logger = newLogger(io.Discard, false) // production level: no debug lines
	h := newHandler(d)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("User-Agent", "bench")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// BenchmarkInfo measures GET / through the whole handler chain, request log included.
func BenchmarkInfo(b *testing.B) { benchmarkRoute(b, "/") }

// BenchmarkHealth measures GET /health, the liveness probe.
func BenchmarkHealth(b *testing.B) { benchmarkRoute(b, "/health") }

// BenchmarkNotFound measures the JSON 404 path.
func BenchmarkNotFound(b *testing.B) { benchmarkRoute(b, "/nope") }
