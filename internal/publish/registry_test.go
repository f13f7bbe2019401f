package publish

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
	"github.com/lehus1/devops-info-service-go/internal/testregistry"
)

const (
	testUser     = "ci-bot"
	testPassword = "tok_9f8e7d6c5b4a-secret"
)

// realRegistry starts CNCF Distribution (Debian's docker-registry) on
// 127.0.0.1 with htpasswd auth and TLS; it returns the address and the
// certificate file a client should trust.
func realRegistry(t *testing.T) (addr, caFile string) {
	t.Helper()
	s := testregistry.New(t, testUser, testPassword)
	return s.Addr, s.CAFile
}

// layoutFor writes a layout the way build does, for version 1.2.3.
func layoutFor(t *testing.T) string {
	t.Helper()
	idx := mutate.Annotations(testIndex(t), map[string]string{
		"org.opencontainers.image.version":  "1.2.3",
		"org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
	}).(v1.ImageIndex)
	dir := filepath.Join(t.TempDir(), "oci")
	if err := ocilayout.Write(idx, ocilayout.Outputs{Layout: dir, RefName: "1.2.3"}, "test"); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runPush runs the push command in a process of its own.
func runPush(t *testing.T, env ...string) (stdout, stderr string, took time.Duration, err error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Only what the test sets: not the credentials or target of whatever
	// runs the tests (mage ci exports its own).
	var base []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "REGISTRY_USERNAME", "REGISTRY_PASSWORD", "IMAGE", "TAGS", "DRY_RUN", "INSECURE_REGISTRY", "SSL_CERT_FILE", "SSL_CERT_DIR":
		default:
			base = append(base, kv)
		}
	}
	cmd.Env = append(base, append([]string{"PUBLISH_TEST_HELPER=1", "DOCKER_CONFIG=" + t.TempDir()}, env...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	return out.String(), errb.String(), time.Since(start), err
}

// Against a real registry with htpasswd and TLS: credentials work, missing
// or wrong ones fail fast with a message that says what to set, and the
// password appears nowhere.
func TestRealRegistry(t *testing.T) {
	t.Parallel()
	addr, ca := realRegistry(t)
	dir := layoutFor(t)
	base := []string{"PUBLISH_TEST_LAYOUT=" + dir, "SSL_CERT_FILE=" + ca, "IMAGE=" + addr + "/lehus1/svc"}
	tests := []struct {
		name string
		env  []string
		ok   bool
		want string
	}{
		{"no credentials", nil, false, "no credentials for " + addr + ": set REGISTRY_USERNAME and REGISTRY_PASSWORD"},
		{"wrong password", []string{"REGISTRY_USERNAME=" + testUser, "REGISTRY_PASSWORD=" + testPassword + "-wrong"}, false, addr + " refused the credentials for pushing to lehus1/svc (401)"},
		{"credentials", []string{"REGISTRY_USERNAME=" + testUser, "REGISTRY_PASSWORD=" + testPassword}, true, addr + "/lehus1/svc:latest"},
		{"dry run", []string{"REGISTRY_USERNAME=" + testUser, "REGISTRY_PASSWORD=" + testPassword, "DRY_RUN=1"}, true, "0 of 5 blobs to upload"},
		{"dry run without credentials", []string{"DRY_RUN=1"}, false, "no credentials for " + addr},
		{"dry run with a wrong password", []string{"DRY_RUN=1", "REGISTRY_USERNAME=" + testUser, "REGISTRY_PASSWORD=nope"}, false, "refused the credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, took, err := runPush(t, append(base, tt.env...)...)
			all := stdout + stderr
			if tt.ok != (err == nil) || !strings.Contains(all, tt.want) {
				t.Errorf("push = %v after %v, want ok %v and %q\nstdout: %s\nstderr: %s", err, took, tt.ok, tt.want, stdout, stderr)
			}
			if strings.Contains(all, testPassword) {
				t.Errorf("the password appears in the output:\n%s", all)
			}
			if !tt.ok && took > 3*time.Second {
				t.Errorf("a credentials failure took %v, want about a second", took)
			}
		})
	}
	// Without the certificate the push fails, fast, on TLS: nothing is retried.
	_, stderr, took, err := runPush(t, "PUBLISH_TEST_LAYOUT="+dir, "IMAGE="+addr+"/lehus1/svc", "REGISTRY_USERNAME="+testUser, "REGISTRY_PASSWORD="+testPassword)
	if err == nil || !strings.Contains(stderr, "certificate") || took > 5*time.Second {
		t.Errorf("push without trusting the certificate = %v after %v: %s", err, took, stderr)
	}
}

// mountCounter counts blob mounts that the registry carried out.
type mountCounter struct {
	inner  http.RoundTripper
	mounts atomic.Int32
}

func (m *mountCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := m.inner.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost && r.URL.Query().Get("mount") != "" && r.URL.Query().Get("from") != "" && resp.StatusCode == http.StatusCreated {
		m.mounts.Add(1)
	}
	return resp, err
}

// The base's layers are mounted from its repository on the same registry,
// not sent again (the in-memory registry cannot mount; Distribution can).
func TestPushMountsBaseLayers(t *testing.T) {
	t.Parallel()
	addr, ca := realRegistry(t)
	pool := x509.NewCertPool()
	pemBytes, _ := os.ReadFile(ca)
	pool.AppendCertsFromPEM(pemBytes)
	counter := &mountCounter{inner: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	reg := registryhttp.New(registryhttp.Config{Transport: counter, Registry: addr, Username: testUser, Password: testPassword})
	kc := reg.Keychain()
	opts := []Option{WithRegistry(reg)}

	baseLayer, _ := random.Layer(5000, types.OCILayer)
	base, _ := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), baseLayer)
	baseRef, _ := name.ParseReference(addr + "/library/base:1")
	if err := remote.Write(baseRef, base, remote.WithTransport(counter), remote.WithAuthFromKeychain(kc)); err != nil {
		t.Fatal(err)
	}
	own, _ := random.Layer(3000, types.OCILayer)
	idx := mutate.Annotations(indexOf(t, platformImage(t, "amd64", baseLayer, own)), map[string]string{baseAnnotation: baseRef.Name()}).(v1.ImageIndex)

	counter.mounts.Store(0)
	repo, _ := Repository(addr+"/lehus1/svc", nil)
	if _, err := Push(t.Context(), idx, repo, []string{"1"}, opts...); err != nil {
		t.Fatal(err)
	}
	if got := counter.mounts.Load(); got != 1 {
		t.Errorf("push mounted %d blobs from the base's repository, want 1 (the base layer)", got)
	}
	pulled, err := remote.Index(repo.Tag("1"), remote.WithTransport(counter), remote.WithAuthFromKeychain(kc))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(pulled); err != nil {
		t.Errorf("validate.Index(pushed) = %v", err)
	}
}
