//go:build ignore

// serve-base serves the pipeline's built-in static base from an in-memory
// registry on 127.0.0.1, so that another tool (ko, in scripts/bench/compare-ko)
// can build on exactly the same base. It prints the base's reference on
// stdout and serves until its standard input closes.
//
//	go run scripts/bench/serve-base.go
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	ref, err := name.ParseReference(ln.Addr().String() + "/static:latest")
	if err != nil {
		log.Fatal(err)
	}
	b, err := base.Resolve(context.Background(), "static", layer.Gzip)
	if err != nil {
		log.Fatal(err)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, op := range platform.Default {
		img, err := b.Image(op)
		if err != nil {
			log.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &op}})
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.TrimSpace(ref.Name()))
	io.Copy(io.Discard, os.Stdin)
}
