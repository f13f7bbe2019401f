package main

import (
	"bufio"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// serviceInfo describes this build of the service.
type serviceInfo struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description"`
	Framework   string `json:"framework"`
}

// systemInfo describes the host; it is read once at start-up, since none of
// it changes while the process runs.
type systemInfo struct {
	Hostname        string `json:"hostname"`
	Platform        string `json:"platform"`
	PlatformVersion string `json:"platform_version"`
	Architecture    string `json:"architecture"`
	CPUCount        int    `json:"cpu_count"`
	GoVersion       string `json:"go_version"`
}

type runtimeInfo struct {
	UptimeSeconds int64  `json:"uptime_seconds"`
	UptimeHuman   string `json:"uptime_human"`
	CurrentTime   string `json:"current_time"`
	Timezone      string `json:"timezone"`
}

type requestInfo struct {
	ClientIP  string `json:"client_ip"`
	UserAgent string `json:"user_agent"`
	Method    string `json:"method"`
	Path      string `json:"path"`
}

type infoResponse struct {
	Service   serviceInfo `json:"service"`
	System    systemInfo  `json:"system"`
	Runtime   runtimeInfo `json:"runtime"`
	Request   requestInfo `json:"request"`
	Endpoints []endpoint  `json:"endpoints"`
}

func newServiceInfo() serviceInfo {
	return serviceInfo{
		Name:        "devops-info-service",
		Version:     version,
		Description: "DevOps course info service",
		Framework:   "Go net/http",
	}
}

// readSystemInfo looks at the host the way the contract describes.
// root is "/" in production; tests point it at a fake tree.
func readSystemInfo(root string) systemInfo {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return systemInfo{
		Hostname:        host,
		Platform:        runtime.GOOS,
		PlatformVersion: platformVersion(root),
		Architecture:    runtime.GOARCH,
		CPUCount:        runtime.NumCPU(),
		GoVersion:       runtime.Version(),
	}
}

// platformVersion is PRETTY_NAME from os-release, else the kernel release,
// else "unknown". A distroless or scratch image may have neither file.
func platformVersion(root string) string {
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		if v := osReleasePrettyName(root + p); v != "" {
			return v
		}
	}
	if b, err := os.ReadFile(root + "proc/sys/kernel/osrelease"); err == nil {
		if v := strings.TrimSpace(string(b)); v != "" {
			return v
		}
	}
	return "unknown"
}

func osReleasePrettyName(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), "=")
		if !ok || strings.TrimSpace(k) != "PRETTY_NAME" {
			continue
		}
		v = strings.TrimSpace(v)
		if u, err := strconv.Unquote(v); err == nil {
			return u
		}
		return strings.Trim(v, `'"`)
	}
	return ""
}

func handleInfo(d deps, endpoints []endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := d.now()
		up := uptime(d.started, now)
		writeJSON(w, http.StatusOK, infoResponse{
			Service: d.service,
			System:  d.system,
			Runtime: runtimeInfo{
				UptimeSeconds: up,
				UptimeHuman:   humanUptime(up),
				CurrentTime:   timestamp(now),
				Timezone:      "UTC",
			},
			Request: requestInfo{
				ClientIP:  clientIP(r, d.trustedProxies),
				UserAgent: r.UserAgent(),
				Method:    r.Method,
				Path:      r.URL.Path,
			},
			Endpoints: endpoints,
		})
	})
}

type healthResponse struct {
	Status        string `json:"status"`
	Timestamp     string `json:"timestamp"`
	UptimeSeconds int64  `json:"uptime_seconds"`
}

// handleHealth is the liveness probe: no I/O, no locks, a few hundred ns.
func handleHealth(d deps, _ []endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := d.now()
		writeJSON(w, http.StatusOK, healthResponse{
			Status:        "healthy",
			Timestamp:     timestamp(now),
			UptimeSeconds: uptime(d.started, now),
		})
	})
}

// timestamp is the contract's one time format: UTC, RFC 3339, milliseconds, Z.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func uptime(started, now time.Time) int64 {
	s := int64(now.Sub(started) / time.Second)
	if s < 0 {
		return 0
	}
	return s
}

// humanUptime reads "1 hour, 0 minutes", "2 hours, 5 minutes".
func humanUptime(seconds int64) string {
	h, m := seconds/3600, seconds%3600/60
	return plural(h, "hour") + ", " + plural(m, "minute")
}

func plural(n int64, unit string) string {
	s := strconv.FormatInt(n, 10) + " " + unit
	if n != 1 {
		s += "s"
	}
	return s
}
