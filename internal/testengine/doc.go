// Package testengine gives a test a Docker daemon or a Podman store of its
// own: dockerd started as root on its own socket, data and exec folders,
// or rootful podman on its own storage, each stopped and removed when the
// test ends, with nothing left running. A test never talks to the
// machine's own daemon or store. Linux only, as dockerd is.
//
// Tests that start one hold a lock shared by every checkout on the machine
// (under os.TempDir), one at a time: two dockerd at once would fight over
// the default bridge docker0 and the DOCKER iptables chains, and both
// engines share the host's CNI/bridge state; a bridge per daemon would
// mean choosing free private subnets on a machine shared with others.
package testengine
