package registryhttp

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// refusal is the error go-containerregistry makes of an answer.
func refusal(t *testing.T, status int, body string) error {
	t.Helper()
	resp := &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body)),
		Request: &http.Request{Method: http.MethodGet, URL: &url.URL{Scheme: "https", Host: "registry.test", Path: "/v2/x/manifests/1"}}}
	err := transport.CheckError(resp, http.StatusOK)
	if err == nil {
		t.Fatalf("CheckError(%d) = nil", status)
	}
	return fmt.Errorf("fetching x: %w", err)
}

func TestExceeded(t *testing.T) {
	const hub = "index.docker.io"
	quota := `{"errors":[{"code":"UNAUTHORIZED","message":"You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"}]}`
	tests := []struct {
		name     string
		err      error
		registry string
		want     bool
	}{
		{"429 anywhere", refusal(t, 429, ""), "127.0.0.1:5000", true},
		{"429 from Docker Hub", refusal(t, 429, `{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}`), hub, true},
		{"401 TOOMANYREQUESTS anywhere", refusal(t, 401, `{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`), "127.0.0.1:5000", true},
		{"403 TOOMANYREQUESTS", refusal(t, 403, `{"errors":[{"code":"TOOMANYREQUESTS"}]}`), "127.0.0.1:5000", true},
		{"401 quota from Docker Hub", refusal(t, 401, quota), hub, true},
		{"403 quota from Docker Hub", refusal(t, 403, quota), hub, true},
		{"401 quota wording elsewhere", refusal(t, 401, quota), "127.0.0.1:5000", false},
		{"401 needs a login", refusal(t, 401, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`), hub, false},
		{"403 denied", refusal(t, 403, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`), hub, false},
		{"404", refusal(t, 404, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`), hub, false},
		{"not an answer", errors.New("dial tcp: refused"), hub, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := Exceeded(tt.err, tt.registry); got != tt.want {
				t.Errorf("Exceeded(%v, %s) = %v, want %v", tt.err, tt.registry, got, tt.want)
			}
		})
	}
}
