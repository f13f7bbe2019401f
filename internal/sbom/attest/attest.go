// Package attest makes an SBOM attestation's statement: the in-toto
// statement that an SPDX document is the SBOM of a platform image, which
// push signs and verify checks. It is apart from package sbom, which
// build uses, so that the magefile does not compile the in-toto and
// protobuf libraries that only push and verify need.
package attest

import (
	"encoding/json"
	"fmt"
	"reflect"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/lehus1/devops-info-service-go/internal/provenance"
)

// PredicateType is an SPDX document as an in-toto predicate: what `cosign
// attest --type spdxjson` writes and `cosign verify-attestation --type
// spdxjson` looks for.
const PredicateType = "https://spdx.dev/Document"

// Statement is the in-toto statement that doc (SPDX JSON) is the SBOM of
// the platform image named name (linux/amd64) whose manifest digest is d:
// what signing it makes an SBOM attestation.
func Statement(name string, d v1.Hash, doc []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, fmt.Errorf("reading the SBOM of %s: %w", name, err)
	}
	pred, err := structpb.NewStruct(m)
	if err != nil {
		return nil, fmt.Errorf("reading the SBOM of %s: %w", name, err)
	}
	st := &intoto.Statement{Type: intoto.StatementTypeUri, PredicateType: PredicateType, Predicate: pred,
		Subject: []*intoto.ResourceDescriptor{{Name: name, Digest: map[string]string{d.Algorithm: d.Hex}}}}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("attesting the SBOM of %s: %w", name, err)
	}
	return provenance.JSON(st)
}

// Signed reports whether doc (SPDX JSON, as attached) is the document st
// attests, compared as JSON values: the statement holds it re-encoded.
func Signed(st *intoto.Statement, doc []byte) bool {
	var got any
	if st.GetPredicateType() != PredicateType || json.Unmarshal(doc, &got) != nil {
		return false
	}
	return reflect.DeepEqual(any(st.GetPredicate().AsMap()), got)
}
