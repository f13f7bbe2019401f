//go:build ignore

// compare-config reads an image config's "config" object on standard input
// (`docker image inspect --format '{{json .Config}}' IMAGE` prints one) and
// checks that the runtime contract in it, user, working folder, entrypoint,
// ports and healthcheck, is the one of the pipeline's image in the OCI
// layout (linux/amd64). It prints both and exits 1 when they differ.
//
//	docker image inspect --format '{{json .Config}}' IMG | go run scripts/ci/compare-config.go dist/oci
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"reflect"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

// contract is the part of a config that decides how the image runs.
type contract struct {
	User        string   `json:"user"`
	WorkingDir  string   `json:"working_dir"`
	Entrypoint  []string `json:"entrypoint"`
	Ports       []string `json:"ports"`
	Healthcheck []string `json:"healthcheck"`
}

func of(c v1.Config) contract {
	var ports []string
	for p := range c.ExposedPorts {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	var hc []string
	if c.Healthcheck != nil {
		hc = c.Healthcheck.Test
	}
	return contract{User: c.User, WorkingDir: c.WorkingDir, Entrypoint: c.Entrypoint, Ports: ports, Healthcheck: hc}
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: ... | go run scripts/ci/compare-config.go LAYOUT")
	}
	var other v1.Config
	if err := json.NewDecoder(os.Stdin).Decode(&other); err != nil {
		log.Fatalf("reading the config on standard input: %v", err)
	}
	idx, _, err := ocilayout.Read(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	img, err := platform.Image(idx, v1.Platform{OS: "linux", Architecture: "amd64"})
	if err != nil {
		log.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		log.Fatal(err)
	}
	ours, theirs := of(cf.Config), of(other)
	a, _ := json.Marshal(ours)
	b, _ := json.Marshal(theirs)
	fmt.Printf("pipeline:   %s\ndockerfile: %s\n", a, b)
	if !reflect.DeepEqual(ours, theirs) {
		fmt.Println("the runtime configs differ")
		os.Exit(1)
	}
	fmt.Println("the runtime configs match")
}
