package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// config is the service's configuration, read from the environment.
type config struct {
	host  string
	port  int
	debug bool
	// trustedProxies are the peers whose X-Forwarded-For header is believed.
	trustedProxies []netip.Prefix
}

func (c config) addr() string {
	return netJoin(c.host, c.port)
}

func netJoin(host string, port int) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}

// loadConfig reads HOST, PORT, DEBUG and TRUSTED_PROXIES. A bad value is the
// operator's mistake: one line saying what is wrong and what is accepted.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{host: "0.0.0.0", port: 8000}
	if h := getenv("HOST"); h != "" {
		cfg.host = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	}
	if p := getenv("PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return config{}, usageError("PORT must be a number from 1 to 65535, got %q", p)
		}
		cfg.port = n
	}
	if d := getenv("DEBUG"); d != "" {
		b, err := strconv.ParseBool(d)
		if err != nil {
			return config{}, usageError("DEBUG must be true or false, got %q", d)
		}
		cfg.debug = b
	}
	if tp := getenv("TRUSTED_PROXIES"); tp != "" {
		for _, s := range strings.Split(tp, ",") {
			p, err := parsePrefix(strings.TrimSpace(s))
			if err != nil {
				return config{}, usageError("TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges, got %q", s)
			}
			cfg.trustedProxies = append(cfg.trustedProxies, p)
		}
	}
	return cfg, nil
}

// parsePrefix accepts "10.0.0.0/8" as well as a lone address "10.0.0.1".
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("parsing %q: %w", s, err)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
