//go:build linux

// The clients (skopeo, umoci, podman from Debian; crane from go.mod; oras
// from go install) are tested on Linux, where CI installs them; macOS and
// Windows runners check the digest instead.

package image_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/publish"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// skopeo copy --all --preserve-digests round-trips dist/oci through a real
// registry (CNCF Distribution) and back: the registry, and the layout made
// from it, hold the index digest that build printed. crane validates what
// skopeo pushed.
func TestSkopeoRoundTripThroughARegistry(t *testing.T) {
	testenv.SkipIfShort(t, "runs skopeo and a registry")
	t.Parallel()
	d := buildDist(t, "")
	r := startRegistry(t)
	remote := "docker://" + r.addr + "/lehus1/mirror:" + version
	skopeo(t, "copy", "--quiet", "--all", "--preserve-digests", "--dest-authfile", r.config, "--dest-cert-dir", r.certDir,
		"oci:"+d.out.Layout+":"+version, remote)
	raw := skopeo(t, "inspect", "--raw", "--authfile", r.config, "--cert-dir", r.certDir, remote)
	if got := sha256Of([]byte(raw)); got != d.digest.String() {
		t.Errorf("skopeo copy to the registry: index %s, want %s as built", got, d.digest)
	}
	back := filepath.Join(t.TempDir(), "back")
	skopeo(t, "copy", "--quiet", "--all", "--preserve-digests", "--src-authfile", r.config, "--src-cert-dir", r.certDir,
		remote, "oci:"+back+":"+version)
	if got := indexDigest(t, back, version); got != d.digest {
		t.Errorf("skopeo copy back from the registry: index %s, want %s", got, d.digest)
	}
	craneValidate(t, r.craneEnv(), r.addr+"/lehus1/mirror:"+version)
}

// What push publishes, the SBOMs included, reads back with crane and oras:
// from Distribution, which has no referrers API (oras finds the SBOM by the
// sha256-<digest> tag), and from go-containerregistry's registry, which has
// one. oras pull writes the SBOM under its file name, the same bytes as
// dist/sbom's.
func TestOrasFindsAndPullsThePushedSBOM(t *testing.T) {
	testenv.SkipIfShort(t, "runs oras against a registry")
	t.Parallel()
	d := buildDist(t, "")
	tests := []struct {
		name  string
		start func(t *testing.T) target
	}{
		{"distribution, tag fallback", func(t *testing.T) target {
			r := startRegistry(t)
			return target{repo: r.addr + "/lehus1/svc", oras: []string{"--ca-file", r.caFile, "--registry-config", r.config}, crane: r.craneEnv(),
				push: []publish.Option{publish.WithRegistry(registryhttp.New(registryhttp.Config{Transport: trusting(t, r.caFile),
					Registry: r.addr, Username: registryUser, Password: registryPassword}))}}
		}},
		{"in-memory, referrers API", func(t *testing.T) target {
			s := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
			t.Cleanup(s.Close)
			return target{repo: strings.TrimPrefix(s.URL, "http://") + "/lehus1/svc", oras: []string{"--plain-http"},
				push: []publish.Option{publish.WithRegistry(registryhttp.New(registryhttp.Config{Keychain: authn.NewMultiKeychain()}))}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := tt.start(t)
			repo, err := publish.Repository(to.repo, nil)
			if err != nil {
				t.Fatal(err)
			}
			idx, _, err := ocilayout.Read(d.out.Layout)
			if err != nil {
				t.Fatal(err)
			}
			arts, err := ocilayout.Artifacts(d.out.Layout)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := publish.Push(t.Context(), idx, repo, []string{version}, append(to.push, publish.WithArtifacts(arts...))...); err != nil {
				t.Fatal(err)
			}
			amd64, err := ocilayout.Find(d.out.Layout + ":" + version + "-linux-amd64")
			if err != nil {
				t.Fatal(err)
			}
			doc := pullSBOM(t, to.oras, to.repo+"@"+amd64.Digest.String(), to.repo+"@")
			file, err := os.ReadFile(filepath.Join(d.cfg.SBOMDir(), "linux_amd64.spdx.json"))
			if err != nil || !bytes.Equal(file, doc) {
				t.Errorf("oras pull gave %d bytes, dist/sbom has %d (%v); want the same file", len(doc), len(file), err)
			}
			craneValidate(t, to.crane, to.repo+":"+version)
		})
	}
}

// target is a registry to push to, and how each client reaches it.
type target struct {
	repo  string
	oras  []string         // flags
	crane []string         // environment
	push  []publish.Option // for publish.Push
}

// craneEnv is the environment in which crane trusts r and logs in to it.
func (r realRegistry) craneEnv() []string {
	return []string{"SSL_CERT_FILE=" + r.caFile, "DOCKER_CONFIG=" + filepath.Dir(r.config)}
}

// craneValidate checks ref with crane validate, in env.
func craneValidate(t *testing.T, env []string, ref string) {
	t.Helper()
	if out := goTool(t, env, "crane", "validate", "--remote", ref); !strings.Contains(out, "PASS") {
		t.Errorf("crane validate --remote %s: %s, want PASS", ref, out)
	}
}

// trusting is an HTTP transport that trusts the CA in caFile.
func trusting(t *testing.T, caFile string) http.RoundTripper {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
}
