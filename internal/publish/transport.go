package publish

import (
	"net/http"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/ratelimit"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

// WithInsecure names the registries that may be reached over plain HTTP
// (INSECURE_REGISTRY); every other but this machine's is reached over
// HTTPS, whatever go-containerregistry would pick. Default none.
func WithInsecure(hosts ...string) Option {
	return func(o *options) { o.insecure = append(o.insecure, hosts...) }
}

// transport is what push sends through: the rule every registry request
// follows (registryhttp: HTTPS but to this machine and the insecure hosts,
// credentials scrubbed from error answers) over o.transport, and a
// registry's Retry-After heeded before the retry.
func (o options) wrap() http.RoundTripper {
	rule := registryhttp.Transport(registryhttp.WithInner(o.transport), registryhttp.WithInsecure(o.insecure...), registryhttp.WithRedactor(o.redactor))
	return &retryAfter{inner: rule, maxWait: 30 * time.Second}
}

type retryAfter struct {
	inner   http.RoundTripper
	maxWait time.Duration
}

func (g *retryAfter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.inner.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return resp, err
	}
	// The retry that follows would come too soon for a registry that said
	// when to come back: wait here, as long as it asked (within reason).
	if d := ratelimit.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
		select {
		case <-time.After(min(d, g.maxWait)):
		case <-req.Context().Done():
		}
	}
	return resp, nil
}
