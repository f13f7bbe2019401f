package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ownerLabel marks each container run and smoke start with the host and
// pid that started it, so that one left by a killed run (kill -9 gives no
// chance to clean up) is removed by the next.
const ownerLabel = "dev.devops-info-service-go.owner"

// owner is this process, as ownerLabel writes it.
func owner() string {
	host, _ := os.Hostname()
	return host + "/" + strconv.Itoa(os.Getpid())
}

// removeStale removes the containers that a run or smoke on this machine
// started and did not live to remove, saying so on log.
func (e Engine) removeStale(ctx context.Context, log io.Writer) error {
	label := `{{.Label "` + ownerLabel + `"}}` // docker's ps lists labels as one string
	if e.Name == Podman {
		label = `{{index .Labels "` + ownerLabel + `"}}`
	}
	out, err := e.output(ctx, "ps", "--all", "--filter", "label="+ownerLabel, "--format", "{{.Names}} "+label)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		name, who, _ := strings.Cut(line, " ")
		h, p, _ := strings.Cut(who, "/")
		pid, err := strconv.Atoi(p)
		if err != nil || h != host || alive(pid) {
			continue
		}
		if _, err := e.output(ctx, "rm", "--force", name); err != nil {
			return err
		}
		fmt.Fprintf(log, "removed container %s, left by a run that was killed (pid %d)\n", name, pid)
	}
	return nil
}
