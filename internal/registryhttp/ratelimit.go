package registryhttp

import (
	"errors"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Exceeded says whether err is a refusal to serve more for now from
// registry (as name.Registry.RegistryStr gives it), and its HTTP status:
// any 429; a 401 or 403 whose body carries the distribution spec's
// TOOMANYREQUESTS code; and, from Docker Hub only, a 401 or 403 whose
// message speaks of the pull rate limit, the way Docker Hub has answered
// anonymous pulls over its quota. Any other refusal is not one: a wrong
// password or a missing image must stay an error.
func Exceeded(err error, registry string) (int, bool) {
	var te *transport.Error
	if !errors.As(err, &te) {
		return 0, false
	}
	switch te.StatusCode {
	case http.StatusTooManyRequests:
		return te.StatusCode, true
	case http.StatusUnauthorized, http.StatusForbidden:
	default:
		return 0, false
	}
	for _, d := range te.Errors {
		if d.Code == transport.TooManyRequestsErrorCode {
			return te.StatusCode, true
		}
		if registry == name.DefaultRegistry && strings.Contains(strings.ToLower(d.Message), "rate limit") {
			return te.StatusCode, true
		}
	}
	return 0, false
}
