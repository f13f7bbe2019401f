package settings

import (
	"fmt"
	"io"
	"strconv"

	"github.com/lehus1/devops-info-service-go/internal/contract"
)

// orDefault reads a variable, def where it is unset or empty.
func orDefault(getenv func(string) string) func(k, def string) string {
	return func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
}

// renamed reads the variable name, or else its old name, saying on warn
// that the old name is deprecated: what users run today keeps working.
func renamed(getenv func(string) string, name, old string, warn io.Writer) string {
	if v := getenv(name); v != "" {
		return v
	}
	v := getenv(old)
	if v != "" {
		fmt.Fprintf(warn, "WARNING: %s is deprecated; set %s instead\n", old, name)
	}
	return v
}

// CI is what the environment says about the machine running the pipeline.
type CI struct {
	// Enabled is CI=true, as GitHub Actions and .ci/run set it: a missing
	// tool is then a failure, never a skip.
	Enabled bool
	// GitHubActions is GITHUB_ACTIONS=true.
	GitHubActions bool
	// StepSummary is GITHUB_STEP_SUMMARY, the file a step's Markdown
	// summary is appended to; empty outside GitHub Actions.
	StepSummary string
}

// ReadCI reads CI, GITHUB_ACTIONS and GITHUB_STEP_SUMMARY.
func ReadCI(getenv func(string) string) CI {
	return CI{Enabled: getenv("CI") == "true", GitHubActions: getenv("GITHUB_ACTIONS") == "true", StepSummary: getenv("GITHUB_STEP_SUMMARY")}
}

// Port reads PORT, where run publishes the service on 127.0.0.1 (default
// the port the service listens on in the container).
func Port(getenv func(string) string) (int, error) {
	p := getenv("PORT")
	if p == "" {
		return contract.Port, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("PORT must be a number from 1 to 65535, got %q", p)
	}
	return n, nil
}

// Engine reads ENGINE, the container engine run and smoke use: runc,
// docker or podman; "" lets them choose (runc as root on Linux, else
// docker, else podman).
func Engine(getenv func(string) string) (string, error) {
	switch e := getenv("ENGINE"); e {
	case "", "runc", "docker", "podman":
		return e, nil
	default:
		return "", fmt.Errorf("ENGINE %q is not runc, docker or podman (or unset, to choose the first there)", e)
	}
}
