package image

import (
	"context"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
)

// attachFunc makes the attachment (an SBOM) of one platform image.
type attachFunc func(p v1.Platform, m v1.Descriptor) (ocilayout.Attachment, error)

// build composes the steps as magefile.go's build does: the outputs are
// reused when they hold the image of the same inputs; else the image is
// assembled, its attachments made (when attach is not nil) and the
// outputs written. It returns the index digest and whether it was reused.
func build(ctx context.Context, b *base.Base, bins []binary.Artifact, meta Metadata, out ocilayout.Outputs, log io.Writer, attach attachFunc) (v1.Hash, bool, error) {
	inputs, d, ok := Reusable(b, bins, meta, out)
	if ok {
		fmt.Fprintf(log, "image unchanged: reusing %s\n", out.Layout)
		return d, true, nil
	}
	start := time.Now()
	idx, err := Assemble(ctx, b, bins, meta)
	if err != nil {
		return v1.Hash{}, false, err
	}
	var atts []ocilayout.Attachment
	if attach != nil {
		im, err := idx.IndexManifest()
		if err != nil {
			return v1.Hash{}, false, err
		}
		for _, m := range im.Manifests {
			a, err := attach(*m.Platform, m)
			if err != nil {
				return v1.Hash{}, false, err
			}
			atts = append(atts, a)
		}
	}
	if err := ocilayout.Write(idx, out, inputs, atts...); err != nil {
		return v1.Hash{}, false, err
	}
	fmt.Fprintf(log, "assembled %d platform(s) on base %s in %.2fs: %s\n", len(bins), b.Name, time.Since(start).Seconds(), out)
	d, err = idx.Digest()
	return d, false, err
}
