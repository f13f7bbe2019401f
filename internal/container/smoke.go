package container

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/smoke"
)

// wantUID is the user the service must run as.
const wantUID = contract.UID

// Smoke starts img published on 127.0.0.1:port, holds it to the service
// contract (answers, user, privileges, read-only root, a clean exit on
// SIGTERM) and to its confinement (own network namespace, no way to the
// host's 127.0.0.1, seccomp, open-file and process limits, a noexec /tmp),
// and removes it whatever happens. Each check's result goes to log as it
// is made. opts go to Start.
func Smoke(ctx context.Context, img v1.Image, port int, log io.Writer, opts ...Option) (smoke.Report, error) {
	var r smoke.Report
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
	for _, c := range smoke.ContractChecks(base, cf.Config.Labels[ocispec.AnnotationVersion], "127.0.0.1") {
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
	stopped, err := c.Stop(smoke.StopGrace)
	r.Stopped = stopped
	if err == nil && c.ExitCode() != 0 {
		err = fmt.Errorf("exit status %d", c.ExitCode())
	}
	check(fmt.Sprintf("SIGTERM: exit 0 within %s (took %d ms)", smoke.StopGrace, stopped.Milliseconds()), err)
	if n := r.Failed(); n > 0 {
		return r, fmt.Errorf("smoke: %d of %d checks failed", n, len(r.Checks))
	}
	return r, nil
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
