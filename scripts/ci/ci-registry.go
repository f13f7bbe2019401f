//go:build ignore

// ci-registry runs a real registry for .ci/run, and checks what was pushed
// to it.
//
//	go run scripts/ci/ci-registry.go serve DIR
//	    starts CNCF Distribution (Debian's docker-registry) on 127.0.0.1
//	    with TLS and htpasswd auth for REGISTRY_USERNAME and
//	    REGISTRY_PASSWORD; prints "ADDRESS CA-FILE" and serves until its
//	    standard input closes.
//	go run scripts/ci/ci-registry.go check REPOSITORY
//	    reads every tag of REPOSITORY back (SSL_CERT_FILE trusts the CA) and
//	    checks that each names the index in dist/oci.
package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/testregistry"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("ci-registry: ")
	if len(os.Args) != 3 {
		log.Fatal("usage: ci-registry serve DIR | check REPOSITORY")
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2])
	case "check":
		check(os.Args[2])
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}

func serve(dir string) {
	user, pass := os.Getenv("REGISTRY_USERNAME"), os.Getenv("REGISTRY_PASSWORD")
	if user == "" || pass == "" {
		log.Fatal("set REGISTRY_USERNAME and REGISTRY_PASSWORD")
	}
	s, err := testregistry.Start(dir, user, pass)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Println(s.Addr, s.CAFile)
	io.Copy(io.Discard, os.Stdin)
}

func check(repository string) {
	repo, err := name.NewRepository(repository)
	if err != nil {
		log.Fatal(err)
	}
	_, desc, err := ocilayout.Read(filepath.Join("dist", "oci"))
	if err != nil {
		log.Fatal(err)
	}
	auth := authn.FromConfig(authn.AuthConfig{Username: os.Getenv("REGISTRY_USERNAME"), Password: os.Getenv("REGISTRY_PASSWORD")})
	opts := []remote.Option{remote.WithAuth(auth), remote.WithTransport(http.DefaultTransport)}
	tags, err := remote.List(repo, opts...)
	if err != nil {
		log.Fatalf("listing the tags of %s: %v", repo, err)
	}
	if len(tags) == 0 {
		log.Fatalf("%s has no tags", repo)
	}
	images, sboms := 0, 0
	for _, t := range tags {
		d, err := remote.Head(repo.Tag(t), opts...)
		if err != nil {
			log.Fatalf("reading %s back: %v", repo.Tag(t), err)
		}
		switch {
		case referrerTag.MatchString(t) && strings.HasSuffix(t, ".sbom"):
			// An SBOM for a registry without the referrers API.
			raw, err := remote.Get(repo.Tag(t), opts...)
			if err != nil || !strings.Contains(string(raw.Manifest), `"artifactType":"application/spdx+json"`) {
				log.Fatalf("%s is not an SPDX SBOM: %v", repo.Tag(t), err)
			}
			sboms++
			fmt.Printf("read back %s: an SBOM, %s\n", repo.Tag(t), d.Digest)
		case referrerTag.MatchString(t):
			fmt.Printf("read back %s: the referrers index, %s\n", repo.Tag(t), d.Digest)
		default:
			if d.Digest != desc.Digest {
				log.Fatalf("%s names %s, dist/oci holds %s", repo.Tag(t), d.Digest, desc.Digest)
			}
			images++
			fmt.Printf("read back %s: %s\n", repo.Tag(t), d.Digest)
		}
	}
	if images == 0 || sboms == 0 {
		log.Fatalf("%s has %d image tags and %d SBOM tags; want some of each", repo, images, sboms)
	}
}

// referrerTag is the fallback tag of a registry without the referrers API.
var referrerTag = regexp.MustCompile(`^sha256-[0-9a-f]{64}(\.[a-z]+)?$`)
