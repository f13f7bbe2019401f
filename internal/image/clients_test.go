//go:build linux

// The clients (skopeo, umoci, podman from Debian; crane from go.mod; oras
// from go install) are tested on Linux, where CI installs them; macOS and
// Windows runners check the digest instead.

package image_test

// The tests in clients_*_test.go drive the tools users already have
// (skopeo, umoci and podman from Debian; crane pinned in go.mod and run
// with `go tool`; oras installed with `go install` of a pinned version)
// against the outputs that `go tool mage build` makes and `go tool mage
// push` publishes, on 127.0.0.1 only. A missing client fails the test in
// CI and skips it loudly elsewhere.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/dist"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/settings"
	"github.com/lehus1/devops-info-service-go/internal/testdist"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
	"github.com/lehus1/devops-info-service-go/internal/testregistry"
)

const version = "1.2.3"

// built is what `go tool mage build` leaves in a checkout's dist/.
type built struct {
	cfg    settings.Settings
	out    ocilayout.Outputs
	digest v1.Hash // the index, as build prints it
	bin    []byte  // the service binary in each platform image
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range distDirs {
		os.RemoveAll(dir)
	}
	testdist.Remove()
	os.Exit(code)
}

var (
	distMu   sync.Mutex
	dists    = map[string]built{} // by IMAGE_SOURCE
	distDirs []string
)

// buildDist is the amd64 and arm64 image, its SBOMs, dist/oci and
// dist/image.tar as the magefile's Build writes them, with
// IMAGE_SOURCE=source, built once per test binary and source: tests read
// it and do not change it. Both platforms carry testdist's small Go
// program: the clients read images, they do not run them.
func buildDist(t *testing.T, source string) built {
	t.Helper()
	distMu.Lock()
	defer distMu.Unlock()
	if d, ok := dists[source]; ok {
		return d
	}
	dir, err := os.MkdirTemp("", "image-clients-")
	if err != nil {
		t.Fatal(err)
	}
	distDirs = append(distDirs, dir)
	env := map[string]string{"VERSION": version, "SOURCE_DATE_EPOCH": "1700000000", "PLATFORMS": "linux/amd64,linux/arm64", "IMAGE_SOURCE": source}
	cfg, err := settings.Load(t.Context(), dir, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	bins := testdist.Binaries(t, cfg.Platforms...)
	b, err := base.Resolve(t.Context(), cfg.BaseImage, cfg.Compression)
	if err != nil {
		t.Fatal(err)
	}
	d := built{cfg: cfg, out: cfg.Outputs()}
	if d.digest, err = dist.Assemble(t.Context(), cfg, b, bins, io.Discard); err != nil {
		t.Fatal(err)
	}
	if d.bin, err = os.ReadFile(bins[0].Path); err != nil {
		t.Fatal(err)
	}
	dists[source] = d
	return d
}

// run runs a client and returns its stdout; a failure ends the test with
// what the client said.
func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	out, err := try(env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// try runs a client and returns its stdout, or its stderr with the error.
func try(env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stderr.String(), err
	}
	return stdout.String(), nil
}

// goTool runs a client pinned in go.mod, the binary go tool NAME runs,
// with args. The path comes from go tool -n, once per test binary and
// client, as each go tool call costs a fifth of a second of CPU checking
// that the tool is built.
func goTool(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	return run(t, env, toolPath(t, name), args...)
}

// toolPath is what go tool -n says of the tool name, asked once per test
// binary.
func toolPath(t *testing.T, name string) string {
	t.Helper()
	toolsMu.Lock()
	defer toolsMu.Unlock()
	if tools[name] == "" {
		tools[name] = strings.TrimSpace(run(t, nil, "go", "tool", "-n", name))
	}
	return tools[name]
}

// tools are the paths toolPath found, by name.
var (
	toolsMu sync.Mutex
	tools   = map[string]string{}
)

// oras runs the oras CLI from PATH, installed as cosign and syft are
// (testenv.InstallOras): go.mod cannot pin it, as it needs a newer
// go.yaml.in/yaml/v4 (v4.0.0-rc.6) than actionlint builds with (rc.3),
// and a module graph of its own compiled it in every fresh run of the
// tests, about 30 s of CPU.
func oras(t *testing.T, args ...string) string {
	t.Helper()
	return run(t, nil, testenv.MustHaveExec(t, "oras", testenv.InstallOras), args...)
}

// skopeo runs skopeo with a policy that accepts any image, so that the
// machine's /etc/containers/policy.json plays no part.
func skopeo(t *testing.T, args ...string) string {
	t.Helper()
	testenv.MustHaveExec(t, "skopeo", "apt-get install skopeo")
	policy := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return run(t, nil, "skopeo", append([]string{"--policy", policy}, args...)...)
}

const (
	registryUser     = "ci"
	registryPassword = "clients-test-password"
)

// realRegistry is a CNCF Distribution server on 127.0.0.1 with TLS and
// htpasswd, and what a client needs to reach it: a folder with its CA as
// ca.crt (skopeo's --cert-dir), a Docker config.json with the credentials
// (skopeo's --authfile, crane's DOCKER_CONFIG, oras' --registry-config).
type realRegistry struct {
	addr, caFile, certDir, config string
}

func startRegistry(t *testing.T) realRegistry {
	t.Helper()
	s := testregistry.New(t, registryUser, registryPassword)
	r := realRegistry{addr: s.Addr, caFile: s.CAFile, certDir: t.TempDir()}
	ca, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.certDir, "ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	auth := base64.StdEncoding.EncodeToString([]byte(registryUser + ":" + registryPassword))
	config, _ := json.Marshal(map[string]any{"auths": map[string]any{s.Addr: map[string]string{"auth": auth}}})
	r.config = filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(r.config, config, 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// indexDigest is the digest of the index that the layout at dir names ref.
func indexDigest(t *testing.T, dir, ref string) v1.Hash {
	t.Helper()
	e, err := ocilayout.Find(dir + ":" + ref)
	if err != nil {
		t.Fatal(err)
	}
	return e.Digest
}

// sha256Of is the digest of data, as a registry names a manifest.
func sha256Of(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
