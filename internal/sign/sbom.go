package sign

import (
	"context"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	sbomattest "github.com/lehus1/devops-info-service-go/internal/sbom/attest"
)

// SBOMs attests each platform image's SBOM (docs, SPDX JSON, by the
// manifest it is attached to): an in-toto statement with the SPDX document
// as its predicate, signed and attached to that platform image, so that
// `cosign verify-attestation --type spdxjson` finds it from the image's
// digest. Every platform image of idx must have exactly one SBOM.
func SBOMs(ctx context.Context, s *Signer, idx v1.ImageIndex, docs map[v1.Hash][][]byte) (Signed, error) {
	targets, err := descriptors(idx)
	if err != nil {
		return Signed{}, err
	}
	var out Signed
	for _, t := range targets[1:] { // [0] is the index
		name := t.Platform.String()
		if n := len(docs[t.Digest]); n != 1 {
			return Signed{}, fmt.Errorf("attesting the SBOMs: %s (%s) has %d SBOMs attached, want 1: rebuild with `go tool mage build`", name, t.Digest, n)
		}
		st, err := sbomattest.Statement(name, t.Digest, docs[t.Digest][0])
		if err != nil {
			return Signed{}, err
		}
		file := "sbom-" + strings.ReplaceAll(name, "/", "-") + ".sigstore.json"
		b, arts, err := attest(ctx, s, st, file, sbomattest.PredicateType, []v1.Descriptor{t})
		if err != nil {
			return Signed{}, err
		}
		out.Bundles = append(out.Bundles, b)
		out.Artifacts = append(out.Artifacts, arts...)
	}
	return out, nil
}
