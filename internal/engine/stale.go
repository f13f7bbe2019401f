package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
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

// devTag is the tag of a version Start loads: the pid and host that loaded
// it (so that removeStaleTags knows when it is left over), and id.
func devTag(id string) string {
	return strconv.Itoa(os.Getpid()) + "-" + hostTag() + "-" + id
}

// hostTag is this machine's name as a tag may hold it.
func hostTag() string {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_') {
			return r
		}
		return '_'
	}, host)
	return host[:min(len(host), 100)]
}

// removeStaleTags removes the tags Start gave images for a dev on this
// machine that was killed before it could remove them (kill -9); its
// containers go with removeStale.
func (e Engine) removeStaleTags(ctx context.Context, log io.Writer) error {
	out, err := e.output(ctx, "images", "--format", "{{.Tag}}", devRepository)
	if err != nil {
		return err
	}
	for _, tag := range strings.Fields(out) {
		p, rest, _ := strings.Cut(tag, "-")
		id, here := strings.CutPrefix(rest, hostTag()+"-")
		pid, err := strconv.Atoi(p)
		if err != nil || !here || strings.Contains(id, "-") || alive(pid) {
			continue
		}
		if _, err := e.output(ctx, "rmi", devRepository+":"+tag); err != nil {
			return err
		}
		fmt.Fprintf(log, "removed image tag %s:%s, left by a dev that was killed (pid %d)\n", devRepository, tag, pid)
	}
	return nil
}
