package sizes_test

// An external test: settings, whose keychain for IMAGE this test hands to
// Compare, imports sizes.

import (
	"encoding/json"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
	"github.com/lehus1/devops-info-service-go/internal/settings"
	"github.com/lehus1/devops-info-service-go/internal/sizes"
	"github.com/lehus1/devops-info-service-go/internal/sizes/render"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// Pulls of the baseline use the credentials push would for IMAGE's
// registry, and never print them.
func TestBaselineWithCredentials(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no docker login here
	const secret = "s3cret-token-value"
	ref, dir := sizes.LocalBaseline(t, sizes.BasicAuth("ci", secret))
	host := strings.Split(ref, "/")[0]
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		// A refusal that is not a rate limit stays an error, though the
		// baseline has recorded figures.
		{"anonymous", map[string]string{"IMAGE": host + "/svc"}, "UNAUTHORIZED: authentication required"},
		{"credentials for another registry", map[string]string{"IMAGE": "127.0.0.1:1/svc", "REGISTRY_USERNAME": "ci", "REGISTRY_PASSWORD": secret}, "UNAUTHORIZED: authentication required"},
		{"credentials for its registry", map[string]string{"IMAGE": host + "/svc", "REGISTRY_USERNAME": "ci", "REGISTRY_PASSWORD": secret}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := settings.Publish(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			r, err := sizes.Compare(t.Context(), sizes.Request{Image: "oci:" + dir, Baseline: ref, Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}}, Depth: sizes.Manifests}, sizes.WithRegistry(registryhttp.New(cfg.Registry())), sizes.WithLog(&stderr), sizes.RecordedFor(ref))
			var written strings.Builder
			if err != nil {
				written.WriteString(err.Error())
			} else {
				render.Table(&written, r)
				render.Markdown(&written, r)
				json.NewEncoder(&written).Encode(r)
			}
			if strings.Contains(written.String()+stderr.String(), secret) {
				t.Errorf("the password appears in the output:\n%s%s", written.String(), stderr.String())
			}
			if !testenv.WantErr(t, "Compare()", err, tt.wantErr) {
				return
			}
			if b := r.Comparisons[0].Baseline; b.Origin != "registry" || len(r.Warnings) != 0 {
				t.Errorf("Compare() baseline origin %s, warnings %q; want measured at the registry, none", b.Origin, r.Warnings)
			}
		})
	}
}
