package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/lehus1/devops-info-service-go/internal/container"
	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/smoke"
)

// Smoke starts the local image with the engine chosen on a free port,
// holds it to the service contract, checks the user and each confinement
// flag as the engine reports it, stops it with SIGTERM (it must exit 0),
// and removes it. Each result goes to log as it is made, and one line says
// which checks the engine cannot show. opts go to runc's container.Smoke.
// A Ctrl-C or SIGTERM is ErrSmokeStopped, not the error of whichever step
// it cut short (in a terminal it reaches the engine's client too).
func Smoke(ctx context.Context, c Choice, local Local, log io.Writer, opts ...container.Option) (smoke.Report, error) {
	r, err := smokeWith(ctx, c, local, log, opts...)
	if err != nil && ctx.Err() != nil {
		err = ErrSmokeStopped
	}
	return r, err
}

// ErrSmokeStopped is Smoke's error when it was stopped before it finished.
var ErrSmokeStopped = errors.New("smoke stopped (Ctrl-C or SIGTERM) before it finished; what it started is removed")

func smokeWith(ctx context.Context, c Choice, local Local, log io.Writer, opts ...container.Option) (smoke.Report, error) {
	port, err := container.FreePort()
	if err != nil {
		return smoke.Report{}, err
	}
	if c.Name == Runc {
		img, err := local.Image()
		if err != nil {
			return smoke.Report{}, err
		}
		return container.Smoke(ctx, img, port, log, opts...)
	}
	var r smoke.Report
	ctr, err := start(ctx, c.Engine, local, port, tryAgain, log)
	if ctr != nil {
		defer ctr.remove(ctx)
	}
	if err != nil {
		return r, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if r.Healthy, err = ctr.waitHealthy(ctx, base, 30*time.Second); err != nil {
		return r, err
	}
	check := r.Record(log)
	check(fmt.Sprintf("healthy %d ms after %s run", r.Healthy.Milliseconds(), c.Name), nil)
	in, err := ctr.inspect(ctx)
	if err != nil {
		return r, err
	}
	// The engine's port forwarding shows the service its own gateway as
	// the client, not 127.0.0.1: any address will do.
	for _, cc := range smoke.ContractChecks(base, in.Config.Labels[ocispec.AnnotationVersion], "") {
		check(cc.Name, cc.Err)
	}
	seen, err := ctr.process(ctx)
	if err != nil {
		return r, err
	}
	check(fmt.Sprintf("runs as uid and gid %d", contract.UID), equal("uid:gid", seen.user, contract.User()))
	confinement(in, seen, check)
	stopped, status, err := ctr.stop(ctx, smoke.StopGrace)
	r.Stopped = stopped
	if err == nil && status != 0 {
		err = fmt.Errorf("exit status %d", status)
	}
	check(fmt.Sprintf("SIGTERM: exit 0 within %s (took %d ms)", smoke.StopGrace, stopped.Milliseconds()), err)
	fmt.Fprintln(log, unseen(c.Name))
	if n := r.Failed(); n > 0 {
		return r, fmt.Errorf("smoke: %d of %d checks failed", n, len(r.Checks))
	}
	return r, nil
}

// unseen is the one line that says which confinement checks the engine
// cannot show the way runc's smoke does, from the process's side.
func unseen(engine string) string {
	if engine == Podman {
		return "podman shows the user, capabilities and seccomp of the process; no new privileges, the limits, /tmp's flags and the read-only root are its settings as inspect reports them; the network namespace and the host's 127.0.0.1 are not checked"
	}
	return "docker shows the user of the process; capabilities, no new privileges, seccomp, the limits, /tmp's flags and the read-only root are its settings as inspect reports them; the network namespace and the host's 127.0.0.1 are not checked"
}

// confinement holds the container to runArgs as the engine reports it:
// the process as `top` sees it where the engine shows it (seen), else the
// settings `inspect` returns (in).
func confinement(in inspected, seen process, check func(string, error)) {
	hc := in.HostConfig
	if seen.caps != "" {
		check("no capabilities", equal("effective capabilities", seen.caps, "none"))
	} else {
		check("no capabilities", all("CapDrop", hc.CapDrop, "ALL", len(hc.CapAdd) == 0))
	}
	check("no new privileges", all("SecurityOpt", hc.SecurityOpt, "no-new-privileges", true))
	if seen.seccomp != "" {
		check("seccomp filter on", equal("seccomp", seen.seccomp, "filter"))
	} else {
		check("seccomp filter on (the engine's default profile)", seccompDefault(hc.SecurityOpt, seen.engineSeccomp))
	}
	check("read-only root filesystem", equal("ReadonlyRootfs", strconv.FormatBool(hc.ReadonlyRootfs), "true"))
	check(fmt.Sprintf("at most %d open files", container.OpenFiles), nofile(in, container.OpenFiles))
	check(fmt.Sprintf("at most %d processes", container.Processes), equal("PidsLimit", strconv.FormatInt(hc.PidsLimit, 10), strconv.Itoa(container.Processes)))
	check("/tmp mounted noexec, nosuid, nodev", tmpfs(hc.Tmpfs["/tmp"], "noexec", "nosuid", "nodev"))
	check("published on 127.0.0.1 only", localOnly(hc.PortBindings))
}

func equal(what, got, want string) error {
	if got != want {
		return fmt.Errorf("%s %q, want %q", what, got, want)
	}
	return nil
}

// all checks that list holds want (and ok).
func all(what string, list []string, want string, ok bool) error {
	if !slices.Contains(list, want) || !ok {
		return fmt.Errorf("%s %q, want %q only", what, list, want)
	}
	return nil
}

func seccompDefault(opts []string, engineHas bool) error {
	for _, o := range opts {
		if strings.HasPrefix(o, "seccomp") {
			return fmt.Errorf("SecurityOpt %q, want the engine's default seccomp profile", o)
		}
	}
	if !engineHas {
		return fmt.Errorf("the engine does not list seccomp among its security options")
	}
	return nil
}

func nofile(in inspected, want int) error {
	for _, u := range in.HostConfig.Ulimits {
		if u.Name == "nofile" || u.Name == "RLIMIT_NOFILE" {
			if u.Soft != int64(want) || u.Hard != int64(want) {
				return fmt.Errorf("nofile %d:%d, want %d:%d", u.Soft, u.Hard, want, want)
			}
			return nil
		}
	}
	return fmt.Errorf("no nofile ulimit in %+v", in.HostConfig.Ulimits)
}

func tmpfs(opts string, want ...string) error {
	have := strings.Split(opts, ",")
	for _, w := range want {
		if !slices.Contains(have, w) {
			return fmt.Errorf("/tmp tmpfs options %q, want %s", opts, strings.Join(want, ","))
		}
	}
	return nil
}

func localOnly(bindings map[string][]struct{ HostIp, HostPort string }) error {
	n := 0
	for port, bs := range bindings {
		for _, b := range bs {
			if b.HostIp != "127.0.0.1" {
				return fmt.Errorf("%s published on %q, want 127.0.0.1", port, b.HostIp)
			}
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("no port published")
	}
	return nil
}
