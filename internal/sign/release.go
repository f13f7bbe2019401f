package sign

import (
	"context"
	"fmt"
	"io"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/provenance"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
)

// Release signs what push releases: the image img (as ocilayout.Load
// read it from dist/oci), its provenance (built by c.Builder) and each
// platform's SBOM attached to it, as c says, for push to attach. When c
// gives nothing to sign with, it returns nothing and says so on log in
// one line.
func Release(ctx context.Context, img ocilayout.Image, c Config, log io.Writer) (Signed, error) {
	signer, err := New(ctx, c)
	if err != nil {
		return Signed{}, err
	}
	if signer == nil {
		fmt.Fprintln(log, Unsigned)
		return Signed{}, nil
	}
	st, err := provenance.Make(img.Index, c.Builder)
	if err != nil {
		return Signed{}, err
	}
	signed, err := Image(ctx, signer, img.Index, st)
	if err != nil {
		return Signed{}, err
	}
	docs, err := sbom.Attached(img.Artifacts)
	if err != nil {
		return Signed{}, err
	}
	sboms, err := SBOMs(ctx, signer, img.Index, docs)
	if err != nil {
		return Signed{}, err
	}
	signed.Bundles = append(signed.Bundles, sboms.Bundles...)
	signed.Artifacts = append(signed.Artifacts, sboms.Artifacts...)
	fmt.Fprintf(log, "signed (%s) the index, %d platform images, their provenance and their SBOMs\n", signer.How, len(st.GetSubject())-1)
	return signed, nil
}
