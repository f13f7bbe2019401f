package sign

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/provenance"
)

// Bundle is one signed statement.
type Bundle struct {
	PredicateType string
	// Name is the file it is written to: signature.sigstore.json, ...
	Name string
	Data []byte
	// Statement is what was signed.
	Statement []byte
}

// Signed is what Image makes: the bundles, and the referrers that attach
// each to every image it is about.
type Signed struct {
	Bundles   []Bundle
	Artifacts []ocilayout.Artifact
}

// Image signs idx: a `cosign sign` statement about the index and each
// platform image, and each of statements (a provenance) as it is. Each
// bundle is attached to the index and to every platform image, so that
// `cosign verify` finds it from either digest.
func Image(ctx context.Context, s *Signer, idx v1.ImageIndex, statements ...*intoto.Statement) (Signed, error) {
	subjects, err := provenance.Subjects(idx)
	if err != nil {
		return Signed{}, err
	}
	sig := &intoto.Statement{Type: intoto.StatementTypeUri, Subject: subjects, PredicateType: SignaturePredicateType, Predicate: &structpb.Struct{}}
	targets, err := descriptors(idx)
	if err != nil {
		return Signed{}, err
	}
	var out Signed
	for i, st := range append([]*intoto.Statement{sig}, statements...) {
		data, err := provenance.JSON(st)
		if err != nil {
			return Signed{}, err
		}
		name := "signature.sigstore.json"
		if i > 0 {
			name = fmt.Sprintf("attestation-%d.sigstore.json", i)
			if st.GetPredicateType() == provenance.PredicateType {
				name = "provenance.sigstore.json"
			}
		}
		b, arts, err := attest(ctx, s, data, name, st.GetPredicateType(), targets)
		if err != nil {
			return Signed{}, err
		}
		out.Bundles = append(out.Bundles, b)
		out.Artifacts = append(out.Artifacts, arts...)
	}
	return out, nil
}

// attest signs the statement st and attaches the bundle, named name, to
// each of targets.
func attest(ctx context.Context, s *Signer, st []byte, name, predicateType string, targets []v1.Descriptor) (Bundle, []ocilayout.Artifact, error) {
	data, err := s.Sign(ctx, st)
	if err != nil {
		return Bundle{}, nil, err
	}
	var arts []ocilayout.Artifact
	for _, t := range targets {
		art, err := ocilayout.NewArtifact(ocilayout.Attachment{Subject: t, ArtifactType: BundleMediaType, Data: data, Title: name,
			Annotations: map[string]string{
				// As `cosign sign` and `cosign attest` write them.
				"dev.sigstore.bundle.content":       "dsse-envelope",
				"dev.sigstore.bundle.predicateType": predicateType,
			}})
		if err != nil {
			return Bundle{}, nil, err
		}
		arts = append(arts, art)
	}
	return Bundle{PredicateType: predicateType, Name: name, Data: data, Statement: st}, arts, nil
}

// descriptors are the index's and each platform image's descriptors.
func descriptors(idx v1.ImageIndex) ([]v1.Descriptor, error) {
	raw, err := idx.RawManifest()
	if err != nil {
		return nil, err
	}
	mt, err := idx.MediaType()
	if err != nil {
		return nil, err
	}
	d, err := idx.Digest()
	if err != nil {
		return nil, err
	}
	out := []v1.Descriptor{{MediaType: mt, Digest: d, Size: int64(len(raw))}}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, m := range im.Manifests {
		if m.Platform != nil {
			out = append(out, m)
		}
	}
	return out, nil
}
