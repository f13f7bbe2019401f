package container

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/testdist"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// needRunc fails in CI and skips, loudly, elsewhere when runc cannot run.
func needRunc(t *testing.T) {
	t.Helper()
	testenv.SkipIfShort(t, "needs runc")
	needLinux(t)
	if err := Available(); err != nil {
		testenv.Need(t, err.Error())
	}
}

// builtImage is the real service's image for this machine, as build
// writes it, built once per suite (testdist).
func builtImage(t *testing.T) v1.Image { return testdist.Build(t, "../..").Image(t) }

var unzipped struct {
	once sync.Once
	img  v1.Image
	err  error
}

// serviceImage is builtImage with its layers' tar streams held in memory,
// read once per test binary: each container a test starts unpacks the
// image, and gunzip in a race-instrumented test binary was most of what
// that cost. Their bytes are the image's; smokeUnderRunc starts the image
// as built, gzip and all.
func serviceImage(t *testing.T) v1.Image {
	t.Helper()
	img := builtImage(t)
	unzipped.once.Do(func() { unzipped.img, unzipped.err = inMemory(img) })
	if unzipped.err != nil {
		t.Fatalf("reading the service image's layers: %v", unzipped.err)
	}
	return unzipped.img
}

// withProgram is the service image with the Go program src, built static
// for this machine, as its entrypoint /app/name.
func withProgram(t *testing.T, name, src string) v1.Image {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+name+"\n\ngo 1.26\n"), 0o644)
	cmd := exec.Command("go", "build", "-o", name, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", name, err, out)
	}
	data, _ := os.ReadFile(filepath.Join(dir, name))
	tb, err := layer.Tar([]layer.File{{Name: "app/" + name, Type: tar.TypeReg, Mode: 0o755, UID: 65532, GID: 65532, Data: data}}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	// Uncompressed: gzip is slow in a race-instrumented test binary, and
	// what the tests run is the program, not its compression.
	img, err := mutate.AppendLayers(serviceImage(t), static.NewLayer(tb, types.OCIUncompressedLayer))
	if err != nil {
		t.Fatal(err)
	}
	return testenv.Configured(t, img, func(cf *v1.ConfigFile) { cf.Config.Entrypoint = []string{"/app/" + name} })
}

func smokeUnderRunc(t *testing.T) {
	sb := parallelSandbox(t)
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	report, err := Smoke(t.Context(), builtImage(t), port, &log, sb.options()...)
	if err != nil {
		t.Fatalf("Smoke() = %v\n%s", err, log.String())
	}
	if len(report.Checks) != 15 || report.Failed() != 0 || report.Healthy <= 0 {
		t.Errorf("Smoke() = %d checks, %d failed, healthy after %v; want 15 passing and a start time\n%s", len(report.Checks), report.Failed(), report.Healthy, log.String())
	}
	sb.assertEmpty(t)
}

// A contract breach fails the smoke test: here the image runs as root.
func smokeCatchesRoot(t *testing.T) {
	sb := parallelSandbox(t)
	rootImg := testenv.Configured(t, serviceImage(t), func(cf *v1.ConfigFile) { cf.Config.User = "0:0" })
	port, _ := FreePort()
	var log strings.Builder
	_, err := Smoke(t.Context(), rootImg, port, &log, sb.options()...)
	if err == nil || !strings.Contains(log.String(), "FAIL runs as uid and gid 65532") {
		t.Errorf("Smoke(root image) = %v, want the uid check to fail\n%s", err, log.String())
	}
	sb.assertEmpty(t)
}

func serveStopsAndRemoves(t *testing.T) {
	sb := parallelSandbox(t)
	port, _ := FreePort()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, serviceImage(t), port, pw, io.Discard, sb.options()...); pw.Close() }()
	buf := make([]byte, 64)
	n, _ := pr.Read(buf)
	url := strings.TrimSpace(string(buf[:n]))
	res, err := http.Get(url + "/health")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s/health = %v, %v; want 200", url, res, err)
	}
	res.Body.Close()
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Errorf("Serve() after cancel = %v, want nil", err)
	}
	sb.assertEmpty(t)
}

// A port some other process holds is refused before anything starts: that
// process (another checkout's container, say) would answer /health in the
// container's stead.
func refusesTakenPort(t *testing.T) {
	sb := parallelSandbox(t)
	img := serviceImage(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name string
		run  func() error
	}{
		{"Serve", func() error { return Serve(t.Context(), img, port, io.Discard, io.Discard, sb.options()...) }},
		{"Smoke", func() error { _, err := Smoke(t.Context(), img, port, io.Discard, sb.options()...); return err }},
	}
	for _, tt := range tests {
		if err := tt.run(); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("port %d on 127.0.0.1 is taken", port)) {
			t.Errorf("%s(taken port %d) = %v, want a port-taken error", tt.name, port, err)
		}
	}
	sb.assertEmpty(t)
}

func startFailureIsReported(t *testing.T) {
	sb := parallelSandbox(t)
	bad := testenv.Configured(t, serviceImage(t), func(cf *v1.ConfigFile) { cf.Config.Entrypoint = []string{"/app/no-such-binary"} })
	c, err := Start(bad, sb.options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove()
	_, err = WaitHealthy(t.Context(), c, "http://127.0.0.1:1", 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited with status") {
		t.Errorf("WaitHealthy(broken entrypoint) = %v, want an exit error", err)
	}
	c.Remove()
	sb.assertEmpty(t)
}

func TestProcChecks(t *testing.T) {
	t.Parallel()
	status := []byte("Name:\tx\nUid:\t65532\t65532\t65532\t65532\nGid:\t0\t0\t0\t0\nNoNewPrivs:\t1\n")
	if err := procField(status, nil, "Uid", "Gid", "65532"); err == nil || !strings.Contains(err.Error(), "Gid") {
		t.Errorf("procField(gid 0) = %v, want a Gid error", err)
	}
	if err := procField(status, nil, "NoNewPrivs", "", "1"); err != nil {
		t.Errorf("procField(NoNewPrivs 1) = %v", err)
	}
	if err := procField(status, nil, "CapEff", "", "0"); err == nil {
		t.Errorf("procField(missing line) = nil, want an error")
	}
	mi := []byte("22 1 0:21 / / rw,relatime - ext4 /dev/root rw\n")
	if err := mountedWith(mi, nil, "/", "ro"); err == nil {
		t.Errorf("mountedWith(rw root, ro) = nil, want an error")
	}
	if err := mountedWith([]byte("22 1 0:21 / / ro,relatime - ext4 /dev/root rw\n"), nil, "/", "ro"); err != nil {
		t.Errorf("mountedWith(ro root, ro) = %v", err)
	}
}

// Ctrl-C while the rootfs is unpacked, or while runc creates the
// container, leaves nothing behind: not the bundle runc was still writing
// to when it was removed, nor a container. The Ctrl-C comes at a few
// points of runc's start, from before it to well into it.
func serveCancelledWhileStarting(t *testing.T) {
	sb := parallelSandbox(t)
	img := serviceImage(t)
	for i := range 40 {
		after := time.Duration(i%20) * 2 * time.Millisecond
		ctx, cancel := context.WithCancel(t.Context())
		if after == 0 {
			cancel() // during the unpacking: Serve starts runc and stops it at once
		} else {
			time.AfterFunc(after, cancel)
		}
		port, _ := FreePort()
		err := Serve(ctx, img, port, io.Discard, io.Discard, sb.options()...)
		cancel()
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Serve(cancelled after %v) = %v, want nil or context.Canceled", after, err)
		}
		sb.assertEmpty(t)
		if t.Failed() {
			t.Fatalf("left behind by a Ctrl-C %v after Serve began", after)
		}
	}
}
