// Package provenance says how an image was built: a SLSA v1.0 provenance,
// as an in-toto Statement whose subjects are the image index and each
// platform image. It is made from the image itself (its annotations and
// the build information Go writes into each binary) and from the builder
// it runs on, so that any clean clone of a commit gives the same statement
// but for the builder's own run ids.
package provenance

import (
	"fmt"
	"sort"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	// PredicateType is SLSA provenance v1.0, which `cosign verify-attestation
	// --type slsaprovenance1` looks for.
	PredicateType = "https://slsa.dev/provenance/v1"
	// BuildType names this pipeline and the meaning of the parameters below;
	// docs/provenance.md describes it.
	BuildType = "https://github.com/lehus1/devops-info-service-go/blob/main/docs/provenance.md#v1"
)

// Builder is what ran the build: a GitHub Actions workflow run, or a
// machine of some kind. It is a struct type by another name, as is
// settings.Builder, which reads it from the environment without importing
// this package (and its in-toto and protobuf libraries): a field added to
// one and not the other stops sign.Config(settings.Signing) compiling.
type Builder = struct {
	// ID names the builder: the workflow (server/owner/repo/.github/
	// workflows/ci.yml@ref) in Actions, else the kind of machine.
	ID string
	// Invocation is this run's own id (the workflow run's address), empty
	// outside Actions.
	Invocation string
	// Ref is the git ref built, such as refs/heads/main; may be empty.
	Ref string
}

// Make is the provenance of idx as built by b.
func Make(idx v1.ImageIndex, b Builder) (*intoto.Statement, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading the index: %w", err)
	}
	subjects, err := Subjects(idx)
	if err != nil {
		return nil, err
	}
	commit, source := im.Annotations[ocispec.AnnotationRevision], im.Annotations[ocispec.AnnotationSource]
	base := im.Annotations[ocispec.AnnotationBaseImageName]
	if base == "" {
		base = "static"
	}
	var platforms []string
	for _, s := range subjects[1:] {
		platforms = append(platforms, s.GetName())
	}
	external := map[string]any{
		"repository": source,
		"commit":     commit,
		"VERSION":    im.Annotations[ocispec.AnnotationVersion],
		"PLATFORMS":  strings.Join(platforms, ","),
		"BASE_IMAGE": base,
	}
	if b.Ref != "" {
		external["ref"] = b.Ref
	}
	deps := []*intoto.ResourceDescriptor{{Name: "source", Uri: gitURI(source, b.Ref), Digest: map[string]string{"gitCommit": commit}}}
	c, err := compiled(idx, im)
	if err != nil {
		return nil, err
	}
	if d := im.Annotations[ocispec.AnnotationBaseImageDigest]; d != "" {
		h, err := v1.NewHash(d)
		if err != nil {
			return nil, fmt.Errorf("reading the base's digest %q: %w", d, err)
		}
		deps = append(deps, &intoto.ResourceDescriptor{Name: "base", Uri: "oci://" + base, Digest: map[string]string{h.Algorithm: h.Hex}})
	} else {
		deps = append(deps, c.baseLayers...)
	}
	deps = append(deps, c.modules...)
	internal := map[string]any{"goVersion": c.goVersion, "builds": c.builds}
	ext, err := structpb.NewStruct(external)
	if err != nil {
		return nil, err
	}
	in, err := structpb.NewStruct(internal)
	if err != nil {
		return nil, err
	}
	pred := &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{BuildType: BuildType, ExternalParameters: ext, InternalParameters: in, ResolvedDependencies: deps},
		RunDetails:      &slsa.RunDetails{Builder: &slsa.Builder{Id: b.ID}},
	}
	if b.Invocation != "" {
		pred.RunDetails.Metadata = &slsa.BuildMetadata{InvocationId: b.Invocation}
	}
	if err := pred.Validate(); err != nil {
		return nil, fmt.Errorf("making the provenance: %w", err)
	}
	return statement(subjects, PredicateType, pred)
}

// gitURI is the SPDX-style address of the source at ref.
func gitURI(source, ref string) string {
	if source == "" {
		return ""
	}
	u := "git+" + source
	if ref != "" {
		u += "@" + ref
	}
	return u
}

// Subjects are the index and each platform image, named "index" and by
// platform (linux/amd64), each with its manifest's digest: what a
// signature or a provenance is about.
func Subjects(idx v1.ImageIndex) ([]*intoto.ResourceDescriptor, error) {
	d, err := idx.Digest()
	if err != nil {
		return nil, fmt.Errorf("reading the index: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading the index: %w", err)
	}
	out := []*intoto.ResourceDescriptor{{Name: "index", Digest: map[string]string{d.Algorithm: d.Hex}}}
	var rest []*intoto.ResourceDescriptor
	for _, m := range im.Manifests {
		if m.Platform == nil {
			continue
		}
		rest = append(rest, &intoto.ResourceDescriptor{Name: m.Platform.String(), Digest: map[string]string{m.Digest.Algorithm: m.Digest.Hex}})
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].GetName() < rest[j].GetName() })
	return append(out, rest...), nil
}

// statement wraps a predicate in an in-toto Statement about subjects.
func statement(subjects []*intoto.ResourceDescriptor, predicateType string, pred proto.Message) (*intoto.Statement, error) {
	s, err := toStruct(pred)
	if err != nil {
		return nil, err
	}
	st := &intoto.Statement{Type: intoto.StatementTypeUri, Subject: subjects, PredicateType: predicateType, Predicate: s}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("making the statement: %w", err)
	}
	return st, nil
}
