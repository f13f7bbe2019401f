// Package sign signs what push publishes, the way cosign v3 does: an
// in-toto Statement in a DSSE envelope, in a Sigstore bundle (v0.3), which
// is attached to each image it is about as an OCI referrer. The key is
// either a cosign key pair (COSIGN_PRIVATE_KEY) or, keyless, a short-lived
// Fulcio certificate for the GitHub Actions workflow's OIDC identity, with
// the signature entered in Rekor.
package sign

import (
	"context"
	"fmt"

	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"
)

const (
	// BundleMediaType is a Sigstore bundle v0.3, as an artifact's type and
	// its one layer's media type: what cosign looks for among referrers.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// SignaturePredicateType is the statement of `cosign sign`: "this
	// image, signed", with an empty predicate.
	SignaturePredicateType = "https://sigstore.dev/cosign/sign/v1"
	// intotoPayloadType is the DSSE payload type of an in-toto Statement.
	intotoPayloadType = "application/vnd.in-toto+json"
)

// Signer signs statements.
type Signer struct {
	keypair sgsign.Keypair
	opts    sgsign.BundleOptions
	// How describes the signer for a person: "key" or "keyless".
	How string
}

// WithKey is a Signer that signs with k and nothing else: no certificate,
// no transparency log (verify with `--insecure-ignore-tlog`).
func WithKey(k *Key) *Signer {
	return &Signer{keypair: k, How: "key"}
}

// Sign signs an in-toto Statement (JSON) and returns the Sigstore bundle,
// as JSON.
func (s *Signer) Sign(ctx context.Context, statement []byte) ([]byte, error) {
	opts := s.opts
	opts.Context = ctx
	b, err := sgsign.Bundle(&sgsign.DSSEData{Data: statement, PayloadType: intotoPayloadType}, s.keypair, opts)
	if err != nil {
		return nil, fmt.Errorf("signing (%s): %w", s.How, err)
	}
	data, err := protojson.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("writing the signature: %w", err)
	}
	return data, nil
}
