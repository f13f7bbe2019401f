package sign

import (
	"context"
	"fmt"
	"io"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/provenance"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
)

// Layout signs the image in the OCI layout dir, its provenance (built by
// c.Builder) and each platform's SBOM attached there, as c says, for push
// to attach. When c gives nothing to
// sign with, it returns nothing and says so on log in one line.
func Layout(ctx context.Context, dir string, c Config, log io.Writer) (Signed, error) {
	signer, err := New(ctx, c)
	if err != nil {
		return Signed{}, err
	}
	if signer == nil {
		fmt.Fprintln(log, Unsigned)
		return Signed{}, nil
	}
	idx, _, err := ocilayout.Read(dir)
	if err != nil {
		return Signed{}, err
	}
	st, err := provenance.Make(idx, c.Builder)
	if err != nil {
		return Signed{}, err
	}
	data, err := provenance.JSON(st)
	if err != nil {
		return Signed{}, err
	}
	signed, err := Image(ctx, signer, idx, data)
	if err != nil {
		return Signed{}, err
	}
	arts, err := ocilayout.Artifacts(dir)
	if err != nil {
		return Signed{}, err
	}
	docs, err := sbom.Attached(arts)
	if err != nil {
		return Signed{}, err
	}
	sboms, err := SBOMs(ctx, signer, idx, docs)
	if err != nil {
		return Signed{}, err
	}
	signed.Bundles = append(signed.Bundles, sboms.Bundles...)
	signed.Artifacts = append(signed.Artifacts, sboms.Artifacts...)
	fmt.Fprintf(log, "signed (%s) the index, %d platform images, their provenance and their SBOMs\n", signer.How, len(st.GetSubject())-1)
	return signed, nil
}
