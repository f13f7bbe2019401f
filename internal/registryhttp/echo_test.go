package registryhttp_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/publish"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
	"github.com/lehus1/devops-info-service-go/internal/sizes"
	"github.com/lehus1/devops-info-service-go/internal/sizes/render"
)

const (
	user  = "ci-user"
	pass  = "pw-9f8e7d6c5b4a"
	token = "tok-0a1b2c3d4e5f6a7b"
)

// echoRegistry is a registry on 127.0.0.1 that repeats each request's
// Authorization header in its error answers, as some do (and as a proxy
// might). realm is "basic" (the registry takes Basic credentials and
// refuses every request past /v2/) or "bearer" (its token server
// refuses, echoing the Basic credentials) or "token" (the token server
// hands out token, which the registry then echoes).
func echoRegistry(t *testing.T, realm string) string {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	var srv *httptest.Server
	echo := func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": fmt.Sprintf("auth=%q", r.Header.Get("Authorization"))}}})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(body)
	}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		switch {
		case r.URL.Path == "/token" && realm == "token":
			json.NewEncoder(w).Encode(map[string]string{"token": token})
		case r.URL.Path == "/token":
			echo(w, r)
		case auth == "" && realm == "basic":
			w.Header().Set("WWW-Authenticate", `Basic realm="echo"`)
			w.WriteHeader(http.StatusUnauthorized)
		case auth == "":
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="echo"`, srv.URL))
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/v2/":
			reg.ServeHTTP(w, r)
		default:
			echo(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// credentials are every form in which the test's credentials could leak.
func credentials() []string {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	return []string{pass, user + ":" + pass, b64(user + ":" + pass), b64(pass), token, b64(token),
		base64.RawStdEncoding.EncodeToString([]byte(user + ":" + pass))}
}

type keys struct{}

func (keys) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.FromConfig(authn.AuthConfig{Username: user, Password: pass}), nil
}

// Nothing that carries a credential, in any encoding, leaves push, a dry
// run, the base pull or sizecompare, when a registry echoes the
// Authorization header it was sent, for Basic and Bearer realms alike.
func TestEchoedCredentialsNeverLeave(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	dir := filepath.Join(t.TempDir(), "oci")
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := v1.Platform{OS: "linux", Architecture: "amd64"}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{Add: img})
	if err := ocilayout.Write(idx, ocilayout.Outputs{Layout: dir, RefName: "1.0.0"}, "x"); err != nil {
		t.Fatal(err)
	}
	built, err := ocilayout.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, realm := range []string{"basic", "bearer", "token"} {
		host := echoRegistry(t, realm)
		repo, err := name.NewRepository(host + "/svc")
		if err != nil {
			t.Fatal(err)
		}
		cfg := publish.Config{Repo: repo, Tags: "1.0.0", Username: user, Password: pass}
		steps := map[string]func(stdout, stderr io.Writer) error{
			"push": func(stdout, stderr io.Writer) error { return publish.Run(t.Context(), built, cfg, stdout, stderr) },
			"dry run": func(stdout, stderr io.Writer) error {
				c := cfg
				c.DryRun = true
				return publish.Run(t.Context(), built, c, stdout, stderr)
			},
			"base pull": func(_, stderr io.Writer) error {
				_, err := base.Resolve(t.Context(), host+"/base:1", layer.Gzip, base.WithRegistry(registryhttp.New(registryhttp.Config{Keychain: keys{}})), base.WithLog(stderr), base.WithCacheDir(t.TempDir()))
				return err
			},
			"sizecompare": func(stdout, stderr io.Writer) error {
				r, err := sizes.Compare(t.Context(), sizes.Request{Image: host + "/svc:1", Baseline: "recorded:python:3.13-slim", Platforms: []v1.Platform{p}, Depth: sizes.Manifests}, sizes.WithRegistry(registryhttp.New(registryhttp.Config{Keychain: keys{}})), sizes.WithLog(stderr))
				if err == nil {
					render.Table(stdout, r)
				}
				return err
			},
		}
		for step, run := range steps {
			t.Run(realm+"/"+step, func(t *testing.T) {
				var stdout, stderr strings.Builder
				err := run(&stdout, &stderr)
				if err == nil {
					t.Fatalf("%s against a registry that refuses everything succeeded", step)
				}
				all := stdout.String() + stderr.String() + err.Error()
				t.Logf("%s: %v", step, err)
				// A dry run against a Basic realm asks with HEAD alone, whose
				// answers have no body; every other step gets the echo.
				if echoed := step != "dry run" || realm == "bearer"; echoed && !strings.Contains(all, "auth=") {
					t.Errorf("%s: the registry's echo never reached the output; the test proves nothing:\n%s", step, all)
				}
				for _, c := range credentials() {
					if strings.Contains(all, c) {
						t.Errorf("%s printed the credential %q:\n%s", step, c, all)
					}
				}
			})
		}
	}
}
