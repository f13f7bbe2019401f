package publish

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/sizes"
)

// Plan is what a push would do, found out with reads only.
type Plan struct {
	Digest name.Digest
	Tags   []name.Tag
	Blobs  []Blob
	// Attach are the documents (SBOMs) that would go along, by digest,
	// each with its type and the manifest it is about.
	Attach []string
}

// Blob is one blob of the image and whether the registry has it.
type Blob struct {
	Digest  v1.Hash
	Size    int64
	What    string
	Present bool
}

// MakePlan lists the tags and every blob of idx, asking the registry (HEAD
// requests, nothing written) which it has already.
func MakePlan(ctx context.Context, idx v1.ImageIndex, repo name.Repository, tags []string, opts ...Option) (_ Plan, err error) {
	o := newOptions(opts)
	defer o.redactErr(&err)
	d, err := idx.Digest()
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Digest: repo.Digest(d.String())}
	for _, a := range o.artifacts {
		subject, err := a.Subject()
		if err != nil {
			return Plan{}, err
		}
		p.Attach = append(p.Attach, fmt.Sprintf("%s (%s) to %s", a.Descriptor.Digest, a.Descriptor.ArtifactType, subject))
	}
	for _, t := range tags {
		p.Tags = append(p.Tags, repo.Tag(t))
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return Plan{}, err
	}
	seen := map[v1.Hash]bool{}
	for _, desc := range im.Manifests {
		img, err := idx.Image(desc.Digest)
		if err != nil {
			return Plan{}, err
		}
		platform := "?"
		if desc.Platform != nil {
			platform = desc.Platform.OS + "/" + desc.Platform.Architecture
		}
		m, err := img.Manifest()
		if err != nil {
			return Plan{}, err
		}
		for i, l := range append([]v1.Descriptor{m.Config}, m.Layers...) {
			if seen[l.Digest] {
				continue
			}
			seen[l.Digest] = true
			what := fmt.Sprintf("%s layer %d", platform, i)
			if i == 0 {
				what = platform + " config"
			}
			p.Blobs = append(p.Blobs, Blob{Digest: l.Digest, Size: l.Size, What: what})
		}
	}
	client, err := o.registry.Reader(ctx, repo)
	if err != nil {
		return Plan{}, fmt.Errorf("asking %s what it has: %w", repo.RegistryStr(), err)
	}
	for i := range p.Blobs {
		u := fmt.Sprintf("%s://%s/v2/%s/blobs/%s", repo.Scheme(), repo.RegistryStr(), repo.RepositoryStr(), p.Blobs[i].Digest)
		req, _ := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
		resp, err := client.Do(req)
		if err != nil {
			return Plan{}, fmt.Errorf("asking %s what it has: %w", repo.RegistryStr(), err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			p.Blobs[i].Present = true
		case http.StatusNotFound:
		case http.StatusUnauthorized, http.StatusForbidden:
			// The plan cannot be known, and the push would fail the same way.
			auth, _ := o.registry.Keychain().Resolve(repo)
			return Plan{}, credentialsError(repo, auth, resp.StatusCode)
		default:
			return Plan{}, fmt.Errorf("asking %s for blob %s: status %d", repo.RegistryStr(), p.Blobs[i].Digest, resp.StatusCode)
		}
	}
	return p, nil
}

// Write prints the plan for a person: the digest, the tags, each blob with
// its size and whether it would be uploaded, and the total.
func (p Plan) Write(w io.Writer) {
	fmt.Fprintf(w, "would push %s\n", p.Digest)
	for _, t := range p.Tags {
		fmt.Fprintf(w, "would tag  %s\n", t)
	}
	for _, a := range p.Attach {
		fmt.Fprintf(w, "would attach %s\n", a)
	}
	var up, upBytes int64
	for _, b := range p.Blobs {
		action := "upload"
		if b.Present {
			action = "present"
		} else {
			up++
			upBytes += b.Size
		}
		fmt.Fprintf(w, "  %-7s %12d B  %s  %s\n", action, b.Size, b.Digest, b.What)
	}
	fmt.Fprintf(w, "%d of %d blobs to upload, %s\n", up, len(p.Blobs), sizes.MB(upBytes))
}
