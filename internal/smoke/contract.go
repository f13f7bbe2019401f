package smoke

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"
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

// ipAddress is any IP address, written as Go writes one.
func ipAddress(v any) error {
	if s, ok := v.(string); !ok || net.ParseIP(s) == nil {
		return fmt.Errorf("%v, want an IP address", v)
	}
	return nil
}

// field checks one value of a JSON document.
type field func(v any) error

func str(want string) field {
	return func(v any) error {
		if s, ok := v.(string); !ok || s != want {
			return fmt.Errorf("%v, want %q", v, want)
		}
		return nil
	}
}

func matches(re string) field {
	rx := regexp.MustCompile(re)
	return func(v any) error {
		if s, ok := v.(string); !ok || !rx.MatchString(s) {
			return fmt.Errorf("%v, want a string matching %s", v, re)
		}
		return nil
	}
}

func integer(v any) error {
	n, ok := v.(json.Number)
	if _, err := n.Int64(); !ok || err != nil {
		return fmt.Errorf("%v, want an integer", v)
	}
	return nil
}

const tsPattern = `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`

func infoContract(version string) map[string]field {
	return map[string]field{
		"service.name": str("devops-info-service"), "service.version": str(version),
		"service.description": matches(`.`), "service.framework": str("Go net/http"),
		"system.hostname": matches(`.`), "system.platform": str("linux"), "system.platform_version": matches(`.`),
		"system.architecture": str(runtime.GOARCH), "system.cpu_count": integer, "system.go_version": matches(`^go1\.`),
		"runtime.uptime_seconds": integer, "runtime.uptime_human": matches(`^\d+ hours?, \d+ minutes?$`),
		"runtime.current_time": matches(tsPattern), "runtime.timezone": str("UTC"),
		"request.client_ip": ipAddress, "request.user_agent": str("devops-info-service-smoke"),
		"request.method": str("GET"), "request.path": str("/"),
		"endpoints": func(v any) error {
			b, _ := json.Marshal(v)
			want := `[{"description":"Service information","method":"GET","path":"/"},{"description":"Health check","method":"GET","path":"/health"}]`
			if string(b) != want {
				return fmt.Errorf("%s, want %s", b, want)
			}
			return nil
		},
	}
}

var healthContract = map[string]field{"status": str("healthy"), "timestamp": matches(tsPattern), "uptime_seconds": integer}

func errorContract(title string) map[string]field {
	return map[string]field{"error": str(title), "message": matches(`.`)}
}

// getJSON fetches url and holds its JSON body to want: the same fields,
// no more and no fewer, each passing its check.
func getJSON(url string, status int, want map[string]field) error {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("User-Agent", "devops-info-service-smoke")
	res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != status || res.Header.Get("Content-Type") != "application/json" {
		return fmt.Errorf("status %d, Content-Type %q; want %d, application/json", res.StatusCode, res.Header.Get("Content-Type"), status)
	}
	dec := json.NewDecoder(res.Body)
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("body is not a JSON object: %w", err)
	}
	got := map[string]any{}
	flatten("", doc, got)
	var problems []string
	for k, check := range want {
		v, ok := got[k]
		if !ok {
			problems = append(problems, k+" missing")
		} else if err := check(v); err != nil {
			problems = append(problems, k+" = "+err.Error())
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			problems = append(problems, k+" not in the contract")
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// flatten turns nested objects into dotted keys; arrays stay whole.
func flatten(prefix string, v map[string]any, out map[string]any) {
	for k, x := range v {
		if m, ok := x.(map[string]any); ok {
			flatten(prefix+k+".", m, out)
		} else {
			out[prefix+k] = x
		}
	}
}
