package main

import (
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/sign"
)

// layout writes an unsigned one-platform dist/oci in a fresh current folder.
func layout(t *testing.T) {
	t.Helper()
	t.Chdir(t.TempDir())
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: mutate.MediaType(img, types.OCIManifestSchema1), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	idx = mutate.Annotations(idx, map[string]string{ocispec.AnnotationVersion: "1.2.3", ocispec.AnnotationRevision: strings.Repeat("a", 40)}).(v1.ImageIndex)
	if err := ocilayout.Write(idx, ocilayout.Outputs{Layout: "dist/oci", RefName: "1.2.3"}, ""); err != nil {
		t.Fatal(err)
	}
}

// Each way in gives what `go tool mage push` and `verify` gave: the plan,
// the pushed references, or one line saying what is wrong.
func TestRun(t *testing.T) {
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(reg.Close)
	host := strings.TrimPrefix(reg.URL, "http://")
	_, pub, err := sign.GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name              string
		args              []string
		env               map[string]string
		inStdout, wantErr string
	}{
		{"no command", nil, nil, "", "usage: go tool release push|verify"},
		{"bad IMAGE", []string{"push"}, map[string]string{"IMAGE": "Bad Name"}, "", `IMAGE "Bad Name"`},
		{"bad SIGN", []string{"push"}, map[string]string{"IMAGE": host + "/svc", "SIGN": "x"}, "", `SIGN must be "required" or unset, got "x"`},
		{"nothing to sign with", []string{"push"}, map[string]string{"IMAGE": host + "/svc", "SIGN": "required"}, "", "SIGN=required, but there is nothing to sign with"},
		{"dry run", []string{"push"}, map[string]string{"IMAGE": host + "/svc", "DRY_RUN": "1", "INSECURE_REGISTRY": host}, host + "/svc", ""},
		{"unsigned push", []string{"push"}, map[string]string{"IMAGE": host + "/svc", "INSECURE_REGISTRY": host}, host + "/svc@sha256:", ""},
		{"nothing to verify against", []string{"verify"}, nil, "", "nothing to verify against"},
		{"bad IMAGE to verify", []string{"verify"}, map[string]string{"IMAGE": "Bad Name", "COSIGN_PUBLIC_KEY": string(pub)}, "", `IMAGE "Bad Name"`},
		{"unsigned layout", []string{"verify"}, map[string]string{"COSIGN_PUBLIC_KEY": string(pub)}, "", "signature"},
		{"layout not pushed", []string{"verify"}, map[string]string{"IMAGE": host + "/svc", "INSECURE_REGISTRY": host, "COSIGN_PUBLIC_KEY": string(pub)}, "", "MANIFEST_UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			layout(t)
			var stdout, stderr strings.Builder
			err := run(t.Context(), tt.args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("run(%q) = %v, want error %q (stderr %q)", tt.args, err, tt.wantErr, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.inStdout) {
				t.Errorf("run(%q) stdout %q, want it to hold %q", tt.args, stdout.String(), tt.inStdout)
			}
		})
	}
}
