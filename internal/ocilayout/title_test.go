package ocilayout

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The attached document's layer is titled, so `oras pull` writes it to a
// file of that name; without a title there is no annotation at all.
func TestArtifactTitle(t *testing.T) {
	for _, title := range []string{"linux_amd64.spdx.json", ""} {
		t.Run(title, func(t *testing.T) {
			subject := v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 2, Digest: v1.Hash{Algorithm: "sha256", Hex: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}}
			a, err := NewArtifact(Attachment{Subject: subject, ArtifactType: "application/spdx+json", Data: []byte("{}"), Title: title})
			if err != nil {
				t.Fatal(err)
			}
			var m v1.Manifest
			if err := json.Unmarshal(a.Manifest, &m); err != nil {
				t.Fatal(err)
			}
			var want map[string]string
			if title != "" {
				want = map[string]string{"org.opencontainers.image.title": title}
			}
			if diff := cmp.Diff(want, m.Layers[0].Annotations); diff != "" {
				t.Errorf("NewArtifact(title %q) layer annotations (-want +got):\n%s", title, diff)
			}
		})
	}
}
