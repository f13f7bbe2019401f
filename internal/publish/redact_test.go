package publish

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

// echoSecret is a transport whose every error repeats the secret, as a
// library or a proxy might echo what it was sent.
type echoSecret string

func (s echoSecret) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused by proxy for password " + string(s))
}

// No error that leaves publish carries a secret, whichever function it
// leaves by.
func TestErrorsAreRedacted(t *testing.T) {
	t.Parallel()
	const secret = "tok_0a1b2c3d-do-not-print"
	repo, err := name.NewRepository("127.0.0.1:1/x")
	if err != nil {
		t.Fatal(err)
	}
	opts := []Option{client(registryhttp.Config{Transport: echoSecret(secret), Password: secret})}
	idx := testIndex(t)
	for _, tt := range []struct {
		name string
		run  func() error
	}{
		{"Preflight", func() error { return Preflight(repo, opts...) }},
		{"MakePlan", func() error { _, err := MakePlan(t.Context(), idx, repo, []string{"1.0.0"}, opts...); return err }},
		{"Push", func() error { _, err := Push(t.Context(), idx, repo, []string{"1.0.0"}, opts...); return err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "***") {
				t.Errorf("%s() = %v, want an error with the secret replaced by ***", tt.name, err)
			}
		})
	}
}
