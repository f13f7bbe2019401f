package ocilayout

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Attachment is a document about one platform image (an SBOM), stored as
// an OCI artifact whose subject is that image's manifest.
type Attachment struct {
	Subject      v1.Descriptor
	ArtifactType string
	Data         []byte
	// Title is the document's file name (its layer's
	// org.opencontainers.image.title), under which `oras pull` writes it:
	// without one, oras skips the layer.
	Title string
	// Annotations go on the artifact's manifest, where clients that list
	// referrers read them (cosign reads a Sigstore bundle's predicate type
	// there). Default none.
	Annotations map[string]string
}

// emptyConfig is the OCI empty descriptor's content: an artifact needs no
// config of its own.
var emptyConfig = []byte("{}")

// Artifact is an attachment as an OCI image manifest, with its blobs.
type Artifact struct {
	Manifest   []byte
	Descriptor v1.Descriptor
	Blobs      map[v1.Hash][]byte
}

// NewArtifact makes the artifact manifest for a.
func NewArtifact(a Attachment) (Artifact, error) {
	cfg := blobDescriptor(ocispec.MediaTypeEmptyJSON, emptyConfig)
	cfg.Data = emptyConfig
	doc := blobDescriptor(types.MediaType(a.ArtifactType), a.Data)
	if a.Title != "" {
		doc.Annotations = map[string]string{ocispec.AnnotationTitle: a.Title}
	}
	subject := v1.Descriptor{MediaType: a.Subject.MediaType, Digest: a.Subject.Digest, Size: a.Subject.Size}
	m := struct {
		SchemaVersion int               `json:"schemaVersion"`
		MediaType     types.MediaType   `json:"mediaType"`
		ArtifactType  string            `json:"artifactType"`
		Config        v1.Descriptor     `json:"config"`
		Layers        []v1.Descriptor   `json:"layers"`
		Subject       *v1.Descriptor    `json:"subject"`
		Annotations   map[string]string `json:"annotations,omitempty"`
	}{2, types.OCIManifestSchema1, a.ArtifactType, cfg, []v1.Descriptor{doc}, &subject, a.Annotations}
	raw, err := json.Marshal(m)
	if err != nil {
		return Artifact{}, err
	}
	desc := blobDescriptor(types.OCIManifestSchema1, raw)
	desc.ArtifactType = a.ArtifactType
	return Artifact{Manifest: raw, Descriptor: desc, Blobs: map[v1.Hash][]byte{cfg.Digest: emptyConfig, doc.Digest: a.Data, desc.Digest: raw}}, nil
}

func blobDescriptor(mt types.MediaType, data []byte) v1.Descriptor {
	sum := sha256.Sum256(data)
	return v1.Descriptor{MediaType: mt, Size: int64(len(data)), Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}}
}

// attach writes the artifacts into the layout at p and lists them in its
// index.json, where OCI tools look for an image's referrers.
func attach(p layout.Path, atts []Attachment) error {
	for _, att := range atts {
		a, err := NewArtifact(att)
		if err != nil {
			return err
		}
		for h, data := range a.Blobs {
			if err := p.WriteBlob(h, io.NopCloser(bytes.NewReader(data))); err != nil {
				return err
			}
		}
		if err := p.AppendDescriptor(a.Descriptor); err != nil {
			return err
		}
	}
	return nil
}

// Artifacts are the attachments stored in the layout at dir, with the
// subject each refers to.
func Artifacts(dir string) ([]Artifact, error) {
	top, err := topIndex(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	var out []Artifact
	for _, d := range top.Manifests {
		if !isAttachment(d) {
			continue
		}
		a := Artifact{Descriptor: d, Blobs: map[v1.Hash][]byte{}}
		read := layout.Path(dir).Bytes
		if a.Manifest, err = read(d.Digest); err != nil {
			return nil, fmt.Errorf("reading %s: %w", dir, err)
		}
		var m v1.Manifest
		if err := json.Unmarshal(a.Manifest, &m); err != nil {
			return nil, fmt.Errorf("reading %s: artifact %s: %w", dir, d.Digest, err)
		}
		for _, b := range append([]v1.Descriptor{m.Config}, m.Layers...) {
			if a.Blobs[b.Digest], err = read(b.Digest); err != nil {
				return nil, fmt.Errorf("reading %s: %w", dir, err)
			}
		}
		a.Blobs[d.Digest] = a.Manifest
		out = append(out, a)
	}
	return out, nil
}

// Subject is the manifest digest the artifact refers to.
func (a Artifact) Subject() (v1.Hash, error) {
	var m v1.Manifest
	if err := json.Unmarshal(a.Manifest, &m); err != nil {
		return v1.Hash{}, err
	}
	if m.Subject == nil {
		return v1.Hash{}, fmt.Errorf("artifact %s has no subject", a.Descriptor.Digest)
	}
	return m.Subject.Digest, nil
}
