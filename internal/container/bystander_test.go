//go:build unix

package container

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// bystander is a container the tests did not start, started as `go tool
// mage run` starts one: Serve with no options, so under runc's default
// root, with its bundle in the temporary folder and the ID prefix the
// pipeline gives every container.
type bystander struct {
	url, id string
	cancel  context.CancelFunc
	done    chan error
}

var healthyLine = regexp.MustCompile(`container (\S+) healthy`)

func startBystander(t *testing.T) *bystander {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &bystander{cancel: cancel, done: make(chan error, 1)}
	pr, pw := io.Pipe()
	var logs testenv.Buffer
	img := serviceImage(t)
	go func() { b.done <- Serve(ctx, img, port, pw, &logs); pw.Close() }()
	// Whatever happens to the test, the bystander goes.
	t.Cleanup(func() { cancel(); <-b.done; b.done <- nil })
	line, err := bufio.NewReader(pr).ReadString('\n')
	go io.Copy(io.Discard, pr)
	b.url = strings.TrimSpace(line)
	m := healthyLine.FindStringSubmatch(logs.String())
	if err != nil || m == nil {
		t.Fatalf("Serve() printed %q, %v; want a URL and a healthy container\n%s", line, err, logs.String())
	}
	b.id = m[1]
	return b
}

// state is the bystander as runc's default root and its port show it.
func (b *bystander) state(t *testing.T) runcContainer {
	t.Helper()
	list, err := runcList("")
	if err != nil {
		t.Fatalf("runc list: %v", err)
	}
	c, ok := findContainer(list, b.id)
	if !ok {
		t.Fatalf("runc list = %+v, want the bystander %s", list, b.id)
	}
	return c
}

// A container started outside the tests, as `mage run` starts one, is where
// the tests once looked for leftovers. It survives the container tests
// untouched (same process, bundle in place, still answering), they pass
// beside it, and `mage run`'s own stop removes it afterwards. The tests
// that start containers in a sandbox run here, beside it, and only here:
// side by side, each in a sandbox of its own, all done before the
// bystander is looked at again.
func TestOthersContainerSurvives(t *testing.T) {
	needRunc(t)
	b := startBystander(t)
	before := b.state(t)
	if !strings.HasPrefix(b.id, "devops-info-service-") || before.Status != "running" ||
		filepath.Dir(before.Bundle) != filepath.Clean(os.TempDir()) || !strings.HasPrefix(filepath.Base(before.Bundle), "devops-info-service-bundle-") {
		t.Fatalf("bystander = %+v, want a running devops-info-service-* container with its bundle in %s, as mage run leaves them", before, os.TempDir())
	}

	tests := []struct {
		name string
		test func(*testing.T)
	}{
		{"SmokeUnderRunc", smokeUnderRunc},
		{"SmokeCatchesRoot", smokeCatchesRoot},
		{"ServeStopsAndRemoves", serveStopsAndRemoves},
		{"RefusesTakenPort", refusesTakenPort},
		{"StartFailureIsReported", startFailureIsReported},
		{"ServeCancelledWhileStarting", serveCancelledWhileStarting},
		{"StartInSandbox", startInSandbox},
		{"StopKillsWhatIgnoresSIGTERM", stopKillsWhatIgnoresSIGTERM},
		{"SweepTakesOnlyOrphans", sweepTakesOnlyOrphans},
		{"KilledTargetIsSweptByNextRun", killedTargetIsSweptByNextRun},
	}
	// The group returns once its parallel tests are done.
	t.Run("beside", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, tt.test)
		}
	})

	after := b.state(t)
	if after != before {
		t.Errorf("bystander after the tests = %+v, want it untouched: %+v", after, before)
	}
	if _, err := os.Stat(filepath.Join(before.Bundle, "config.json")); err != nil {
		t.Errorf("bystander's bundle after the tests: %v, want it in place", err)
	}
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get(b.url + "/health")
	if err != nil {
		t.Fatalf("GET %s/health after the tests: %v, want the bystander to answer", b.url, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET %s/health after the tests = %d, want 200", b.url, res.StatusCode)
	}

	b.cancel()
	if err := <-b.done; err != nil {
		t.Errorf("Serve() after cancel = %v, want nil", err)
	}
	b.done <- nil // for the cleanup
	if list, err := runcList(""); err != nil {
		t.Errorf("runc list: %v", err)
	} else if c, ok := findContainer(list, b.id); ok {
		t.Errorf("runc list shows %+v after Serve returned, want it deleted", c)
	}
	if _, err := os.Stat(before.Bundle); !os.IsNotExist(err) {
		t.Errorf("bystander's bundle %s after Serve returned: %v, want it removed", before.Bundle, err)
	}
}
