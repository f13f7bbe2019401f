package sbom

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

// Path is where the SBOM of platform p goes under dir.
func Path(dir string, p v1.Platform) string {
	return filepath.Join(dir, platform.Dir(p)+".spdx.json")
}

// Build is what every platform's SBOM shares.
type Build struct {
	Dir             string // where the files go, such as dist/sbom
	Binaries        []binary.Artifact
	Base            *base.Base
	Version, Commit string
	Source          string
	Created         time.Time
}

// Attachments makes the SBOM of each platform image of idx and writes it
// to its file: the step after the image is assembled, before the layout
// is written with them attached.
func (b Build) Attachments(idx v1.ImageIndex) ([]ocilayout.Attachment, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("making the SBOMs: %w", err)
	}
	var out []ocilayout.Attachment
	for _, m := range im.Manifests {
		if m.Platform == nil {
			continue
		}
		a, err := b.Attach(*m.Platform, m)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Attach makes the SBOM of the platform image whose manifest is m, writes
// it to its file, and returns it to be attached to the image.
func (b Build) Attach(p v1.Platform, m v1.Descriptor) (ocilayout.Attachment, error) {
	var bin *binary.Artifact
	for i := range b.Binaries {
		if b.Binaries[i].Platform.Equals(p) {
			bin = &b.Binaries[i]
		}
	}
	if bin == nil {
		return ocilayout.Attachment{}, fmt.Errorf("making the SBOM: no binary for %s/%s", p.OS, p.Architecture)
	}
	contents, err := b.Base.Contents(p)
	if err != nil {
		return ocilayout.Attachment{}, err
	}
	doc, err := Document(Input{Binary: *bin, Version: b.Version, Commit: b.Commit, Source: b.Source, Created: b.Created,
		Base: contents, Platform: platform.Name(bin.Platform)})
	if err != nil {
		return ocilayout.Attachment{}, err
	}
	data, err := JSON(doc)
	if err != nil {
		return ocilayout.Attachment{}, err
	}
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return ocilayout.Attachment{}, fmt.Errorf("writing the SBOM: %w", err)
	}
	path := Path(b.Dir, bin.Platform)
	if err := atomicfile.WriteFile(path, data); err != nil {
		return ocilayout.Attachment{}, err
	}
	// Pulled from a registry (oras pull), it gets the name it has in dist/sbom.
	return ocilayout.Attachment{Subject: m, ArtifactType: MediaType, Data: data, Title: filepath.Base(path)}, nil
}

// Prune removes the SBOMs in dir of platforms no longer built, so that
// dist/sbom describes what dist/oci holds, and what a stopped build left
// half-written.
func Prune(dir string, platforms []v1.Platform) error {
	keep := map[string]bool{}
	for _, p := range platforms {
		keep[Path(dir, p)] = true
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.spdx.json"))
	if err != nil {
		return err
	}
	// A build stopped while writing one leaves its temporary file.
	temps, _ := filepath.Glob(filepath.Join(dir, ".*.spdx.json-*"))
	files = append(files, temps...)
	for _, f := range files {
		if !keep[f] {
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("removing the stale SBOM %s: %w", f, err)
			}
		}
	}
	return nil
}

// Attached are the SBOM documents among arts (a layout's attachments), by
// the manifest each is attached to.
func Attached(arts []ocilayout.Artifact) (map[v1.Hash][][]byte, error) {
	out := map[v1.Hash][][]byte{}
	for _, a := range arts {
		if a.Descriptor.ArtifactType != MediaType {
			continue
		}
		subject, err := a.Subject()
		if err != nil {
			return nil, err
		}
		var m v1.Manifest
		if err := json.Unmarshal(a.Manifest, &m); err != nil || len(m.Layers) != 1 {
			return nil, fmt.Errorf("reading the SBOM %s: want a manifest with one layer", a.Descriptor.Digest)
		}
		out[subject] = append(out[subject], a.Blobs[m.Layers[0].Digest])
	}
	return out, nil
}
