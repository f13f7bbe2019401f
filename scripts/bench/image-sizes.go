//go:build ignore

// image-sizes prints, for the image of one platform in an OCI layout, the
// size of each layer compressed (what a pull transfers) and uncompressed
// (what it takes on disk), one layer a line, then the totals.
//
//	go run scripts/bench/image-sizes.go LAYOUT [OS/ARCH]
package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: go run scripts/bench/image-sizes.go LAYOUT [OS/ARCH]")
	}
	want := "linux/amd64"
	if len(os.Args) > 2 {
		want = os.Args[2]
	}
	idx, err := layout.ImageIndexFromPath(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	img, err := find(idx, want)
	if err != nil {
		log.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		log.Fatal(err)
	}
	var zs, us int64
	for i, l := range layers {
		z, _ := l.Size()
		rc, err := l.Uncompressed()
		if err != nil {
			log.Fatal(err)
		}
		u, _ := io.Copy(io.Discard, rc)
		rc.Close()
		fmt.Printf("layer %d: %d compressed, %d uncompressed\n", i+1, z, u)
		zs += z
		us += u
	}
	fmt.Printf("total: %d layers, %d compressed, %d uncompressed\n", len(layers), zs, us)
}

// find looks through nested indexes for the platform's image.
func find(idx v1.ImageIndex, want string) (v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range im.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, err
			}
			if img, err := find(child, want); err == nil {
				return img, nil
			}
		case d.Platform != nil && strings.HasPrefix(d.Platform.OS+"/"+d.Platform.Architecture, want):
			return idx.Image(d.Digest)
		}
	}
	return nil, fmt.Errorf("no %s image", want)
}
