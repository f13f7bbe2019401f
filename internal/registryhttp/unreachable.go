package registryhttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Unreachable says whether err is a registry that could not be reached at
// all: its name does not resolve, nothing listens, no route, or no answer
// in time. Only then may a step fall back to what it kept from before
// (the cached base, the recorded baseline). A registry that answered, if
// only to refuse (401, 403, MANIFEST_UNKNOWN), or whose certificate is not
// trusted, was reached: falling back would hide the refusal and use what
// may be stale.
func Unreachable(err error) bool {
	if err == nil || settled(err) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || neverAnswered(err) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// neverAnswered says whether err is a registry that no request reached:
// its name does not resolve, nothing listens, or there is no route.
func neverAnswered(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// settled says whether err is one that neither another try nor a
// fallback may hide: the registry answered (if only to refuse), the rule
// refused the request, or the registry's certificate is not trusted.
func settled(err error) bool {
	var te *transport.Error
	var refusal *RefusalError
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	var alert tls.AlertError
	return errors.As(err, &te) || errors.As(err, &refusal) || errors.As(err, &cv) || errors.As(err, &ua) ||
		errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &rh) || errors.As(err, &alert)
}
