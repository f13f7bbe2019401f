package container

import (
	"fmt"

	"github.com/lehus1/devops-info-service-go/internal/contract"
)

// Instead is ErrNeedsLinux with, on the same line, the commands that do
// what run and smoke do with Docker or Podman (Docker Desktop runs Linux):
// load the tarball build wrote, publish the service on 127.0.0.1:port,
// ask its /health. podman takes the same arguments as docker.
func Instead(tarball, tag string, port int) error {
	return fmt.Errorf("%w; with Docker or Podman instead: docker load -i %s, then docker run --rm -p 127.0.0.1:%d:%d %s, then curl http://127.0.0.1:%d/health",
		ErrNeedsLinux, tarball, port, contract.Port, tag, port)
}
