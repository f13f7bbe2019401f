package container

import (
	"fmt"
	"io"
	"net"
)

// The limits a container gets, under runc as under Docker or Podman.
const (
	// OpenFiles is the most files the service may hold open.
	OpenFiles = openFiles
	// Processes is the most processes (threads) its cgroup may hold.
	Processes = pidsLimit
)

// ContractChecks holds the service answering at base (http://HOST:PORT)
// to the contract of docs/service.md: GET /, GET /health and a JSON 404.
// version is the image's; peer is the address the service must report as
// the client's, or "" where the engine's port forwarding hides it (then
// any address will do).
func ContractChecks(base, version, peer string) []Check {
	info := infoContract(version)
	if peer != "" {
		info["request.client_ip"] = str(peer)
	}
	return []Check{
		{"GET / matches the contract", getJSON(base+"/", 200, info)},
		{"GET /health matches the contract", getJSON(base+"/health", 200, healthContract)},
		{"GET /nope is a JSON 404", getJSON(base+"/nope", 404, errorContract("Not Found"))},
	}
}

// Record is how a smoke test adds a check to r: its result also goes to
// log at once, "ok   name" or "FAIL name: why".
func (r *Report) Record(log io.Writer) func(name string, err error) {
	return func(name string, err error) {
		r.Checks = append(r.Checks, Check{name, err})
		if err != nil {
			fmt.Fprintf(log, "FAIL %s: %v\n", name, err)
		} else {
			fmt.Fprintf(log, "ok   %s\n", name)
		}
	}
}

// ipAddress is any IP address, written as Go writes one.
func ipAddress(v any) error {
	if s, ok := v.(string); !ok || net.ParseIP(s) == nil {
		return fmt.Errorf("%v, want an IP address", v)
	}
	return nil
}
