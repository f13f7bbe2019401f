package container

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/contract"
)

// Check is one smoke check and how it went.
type Check struct {
	Name string
	Err  error
}

// Report is what Smoke found.
type Report struct {
	Checks []Check
	// Healthy is the time from runc's start to the first healthy /health;
	// Stopped, from SIGTERM to the exit.
	Healthy, Stopped time.Duration
}

// Failed counts the checks that failed.
func (r Report) Failed() int {
	n := 0
	for _, c := range r.Checks {
		if c.Err != nil {
			n++
		}
	}
	return n
}

// The service's contract, as the smoke test holds the running image to it.
const (
	wantUID   = contract.UID
	stopGrace = 5 * time.Second
)

// Smoke starts img published on 127.0.0.1:port, holds it to the service
// contract (answers, user, privileges, read-only root, a clean exit on
// SIGTERM) and to its confinement (own network namespace, no way to the
// host's 127.0.0.1, seccomp, open-file and process limits, a noexec /tmp),
// and removes it whatever happens. Each check's result goes to log as it
// is made. opts go to Start.
func Smoke(ctx context.Context, img v1.Image, port int, log io.Writer, opts ...Option) (Report, error) {
	var r Report
	cf, err := img.ConfigFile()
	if err != nil {
		return r, fmt.Errorf("reading the image config: %w", err)
	}
	c, err := Start(img, slices.Concat(opts, []Option{WithPublish(port)})...)
	if err != nil {
		return r, err
	}
	defer c.Remove()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if r.Healthy, err = WaitHealthy(ctx, c, base, 10*time.Second); err != nil {
		return r, err
	}
	check := r.Record(log)
	check(fmt.Sprintf("healthy %d ms after runc started", r.Healthy.Milliseconds()), nil)
	for _, c := range ContractChecks(base, cf.Config.Labels[ocispec.AnnotationVersion], "127.0.0.1") {
		check(c.Name, c.Err)
	}
	pid, err := c.Pid(ctx)
	if err != nil {
		check("process status", err)
	} else {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		check(fmt.Sprintf("runs as uid and gid %d", wantUID), procField(status, err, "Uid", "Gid", strconv.Itoa(wantUID)))
		check("no capabilities", procField(status, err, "CapEff", "CapPrm", "0000000000000000"))
		check("no new privileges", procField(status, err, "NoNewPrivs", "", "1"))
		mounts, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
		check("read-only root filesystem", mountedWith(mounts, err, "/", "ro"))
		confinement(ctx, c, pid, check)
	}
	stopped, err := c.Stop(stopGrace)
	r.Stopped = stopped
	if err == nil && c.ExitCode() != 0 {
		err = fmt.Errorf("exit status %d", c.ExitCode())
	}
	check(fmt.Sprintf("SIGTERM: exit 0 within %s (took %d ms)", stopGrace, stopped.Milliseconds()), err)
	if n := r.Failed(); n > 0 {
		return r, fmt.Errorf("smoke: %d of %d checks failed", n, len(r.Checks))
	}
	return r, nil
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

// procField checks that /proc/PID/status's lines a (and b) hold only want.
func procField(status []byte, err error, a, b, want string) error {
	if err != nil {
		return err
	}
	found := 0
	for _, line := range strings.Split(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		if k != a && (b == "" || k != b) {
			continue
		}
		found++
		for _, f := range strings.Fields(v) {
			if f != want {
				return fmt.Errorf("%s:%s, want %s", k, v, want)
			}
		}
	}
	if found == 0 {
		return fmt.Errorf("no %s line in the process status", a)
	}
	return nil
}
