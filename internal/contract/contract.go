// Package contract is the service's runtime contract, written once: what
// the image is called, where the binary lives, whom it runs as and which
// port it serves. The image is assembled to it, the smoke test and the
// Dockerfile test hold the image and the Dockerfile to it.
package contract

import "strconv"

const (
	// Name is the service's name: its binary's file name, the image's
	// title and the SBOM's package name.
	Name = "devops-info-service"
	// Dir is the image's working folder, which holds the binary.
	Dir = "/app"
	// Binary is the path of the service in the image, its entrypoint.
	Binary = Dir + "/" + Name
	// UID and GID are the user and group the service runs as: distroless's
	// nonroot, never root.
	UID, GID = 65532, 65532
	// Port is the TCP port the service listens on inside the container.
	Port = 8000
)

// User is UID:GID as an image config's User field writes it.
func User() string { return strconv.Itoa(UID) + ":" + strconv.Itoa(GID) }

// ExposedPort is Port as an image config's ExposedPorts key writes it.
func ExposedPort() string { return strconv.Itoa(Port) + "/tcp" }
