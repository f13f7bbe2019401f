package sign

import (
	"context"
	"fmt"
	"io"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/provenance"
)

// Layout signs the image in the OCI layout dir and its provenance (built
// by c.Builder), as c says, for push to attach. When c gives nothing to
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
	fmt.Fprintf(log, "signed (%s) the index, %d platform images and their provenance\n", signer.How, len(st.GetSubject())-1)
	return signed, nil
}
