// Package testengine gives a test a Docker daemon or a Podman store of its
// own: dockerd started as root on its own socket, data and exec folders,
// or rootful podman on its own storage, each stopped and removed when the
// test ends, with nothing left running. A test never talks to the
// machine's own daemon or store. Linux only, as dockerd is.
//
// Tests that start one hold a lock of its kind shared by every checkout on
// the machine (under os.TempDir), one dockerd and one podman store at a
// time: two dockerd at once would fight over the default bridge docker0
// (each would hand out its addresses), and a bridge per daemon would mean
// choosing free private subnets on a machine shared with others; two
// podman stores share the host's CNI state and the libpod lock segment,
// which a fresh store frees. A dockerd and a podman store share nothing:
// dockerd runs without iptables on docker0, podman on its CNI bridge.
package testengine
