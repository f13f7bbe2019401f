//go:build ignore

// flaky-registry serves an in-memory registry on 127.0.0.1 that answers a
// share of requests with 503 (half of them) or by dropping the connection
// (the other half). It prints its address and serves until its standard
// input closes. For scripts/bench/compare-crane.
//
//	go run scripts/bench/flaky-registry.go [-share 0.15] [-seed 1]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	share := flag.Float64("share", 0.15, "share of requests that fail")
	seed := flag.Uint64("seed", 1, "seed of the failures")
	flag.Parse()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(*seed, *seed))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		x := rng.Float64()
		mu.Unlock()
		switch {
		case x < *share/2:
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		case x < *share:
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		default:
			reg.ServeHTTP(w, r)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, h)
	fmt.Println(ln.Addr())
	io.Copy(io.Discard, os.Stdin)
}
