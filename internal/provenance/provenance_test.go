package provenance_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/provenance"
	"github.com/lehus1/devops-info-service-go/internal/settings"
	"github.com/lehus1/devops-info-service-go/internal/testdist"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// build is the service's image for this machine as `go tool mage build`
// makes it, built once per suite (testdist).
func build(t *testing.T) (v1.ImageIndex, settings.Settings) {
	t.Helper()
	built := testdist.Build(t, "../..")
	return built.Index(t), built.Settings
}

func statementJSON(t *testing.T, idx v1.ImageIndex, b provenance.Builder) []byte {
	t.Helper()
	st, err := provenance.Make(idx, b)
	if err != nil {
		t.Fatal(err)
	}
	data, err := provenance.JSON(st)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// One build, read twice, gives the same statement, byte for byte, but for
// the run's own id; the statement says what the image is and how it was
// made.
func TestMake(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	first, cfg := build(t)
	second := testdist.Build(t, "../..").Index(t)
	ci := provenance.Builder{ID: "https://github.com/lehus1/devops-info-service-go/.github/workflows/ci.yml@refs/heads/main", Ref: "refs/heads/main",
		Invocation: "https://github.com/lehus1/devops-info-service-go/actions/runs/1/attempts/1"}
	a := statementJSON(t, first, ci)
	if b := statementJSON(t, second, ci); !bytes.Equal(a, b) {
		t.Errorf("the statements of two builds differ:\n%s", cmp.Diff(string(a), string(b)))
	}
	rerun := ci
	rerun.Invocation = strings.Replace(ci.Invocation, "runs/1", "runs/2", 1)
	b := statementJSON(t, second, rerun)
	if got := strings.Replace(string(b), "runs/2", "runs/1", 1); got != string(a) {
		t.Errorf("another run changes more than its id:\n%s", cmp.Diff(string(a), got))
	}

	st, err := provenance.Parse(a)
	if err != nil {
		t.Fatalf("Parse(JSON(Make())) = %v", err)
	}
	d, _ := first.Digest()
	im, _ := first.IndexManifest()
	var p struct {
		BuildDefinition struct {
			BuildType            string
			ExternalParameters   map[string]string
			InternalParameters   struct{ GoVersion string }
			ResolvedDependencies []struct {
				Name, URI string
				Digest    map[string]string
			}
		}
		RunDetails struct {
			Builder  struct{ ID string }
			Metadata struct{ InvocationID string }
		}
	}
	pj, _ := st.GetPredicate().MarshalJSON()
	if err := json.Unmarshal(pj, &p); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ what, got, want string }{
		{"predicate type", st.GetPredicateType(), provenance.PredicateType},
		{"build type", p.BuildDefinition.BuildType, provenance.BuildType},
		{"commit", provenance.Commit(st), testdist.Commit},
		{"VERSION", p.BuildDefinition.ExternalParameters["VERSION"], cfg.Version.Version},
		{"PLATFORMS", p.BuildDefinition.ExternalParameters["PLATFORMS"], platform.Name(platform.Local())},
		{"BASE_IMAGE", p.BuildDefinition.ExternalParameters["BASE_IMAGE"], "static"},
		{"ref", p.BuildDefinition.ExternalParameters["ref"], "refs/heads/main"},
		{"Go version", p.BuildDefinition.InternalParameters.GoVersion, runtimeToolchain(t)},
		{"source", p.BuildDefinition.ResolvedDependencies[0].URI, "git+https://github.com/lehus1/devops-info-service-go@refs/heads/main"},
		{"source commit", p.BuildDefinition.ResolvedDependencies[0].Digest["gitCommit"], testdist.Commit},
		{"builder", p.RunDetails.Builder.ID, ci.ID},
		{"invocation", p.RunDetails.Metadata.InvocationID, ci.Invocation},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Make() %s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if !provenance.HasSubject(st, d.String()) || !provenance.HasSubject(st, im.Manifests[0].Digest.String()) || len(st.GetSubject()) != 2 {
		t.Errorf("Make() subjects = %v, want the index %s and linux/amd64 %s", st.GetSubject(), d, im.Manifests[0].Digest)
	}
	if deps := p.BuildDefinition.ResolvedDependencies; len(deps) < 2 || deps[1].Name != "base layer" || len(deps[1].Digest["sha256"]) != 64 {
		t.Errorf("Make() resolved dependencies = %+v, want the source, then the static base's layer by digest", deps)
	}
}

// A base from a registry is a resolved dependency by its digest; a
// malformed one is an error.
func TestMakeRegistryBase(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	idx, _ := build(t)
	digest := "sha256:" + strings.Repeat("ab", 32)
	withBase := mutate.Annotations(idx, map[string]string{ocispec.AnnotationBaseImageName: "gcr.io/distroless/static:nonroot", ocispec.AnnotationBaseImageDigest: digest}).(v1.ImageIndex)
	data := statementJSON(t, withBase, provenance.Builder{ID: "urn:test"})
	if want := `{"digest":{"sha256":"` + strings.Repeat("ab", 32) + `"},"name":"base","uri":"oci://gcr.io/distroless/static:nonroot"}`; !strings.Contains(string(data), want) {
		t.Errorf("Make(registry base) = %s, want a dependency %s", data, want)
	}
	if !strings.Contains(string(data), `"BASE_IMAGE":"gcr.io/distroless/static:nonroot"`) {
		t.Errorf("Make(registry base) = %s, want BASE_IMAGE named", data)
	}
	bad := mutate.Annotations(idx, map[string]string{ocispec.AnnotationBaseImageName: "x", ocispec.AnnotationBaseImageDigest: "sha256:nothex"}).(v1.ImageIndex)
	if _, err := provenance.Make(bad, provenance.Builder{ID: "urn:test"}); err == nil || !strings.Contains(err.Error(), `reading the base's digest "sha256:nothex"`) {
		t.Errorf("Make(bad base digest) = %v, want it named", err)
	}
}

// runtimeToolchain is the Go release go.mod pins, which builds the service.
func runtimeToolchain(t *testing.T) string {
	t.Helper()
	v, err := binary.Toolchain("../..")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The first Go executable in the top layer is the one described, whatever
// comes before it; an image without one has no provenance to give.
func TestMakeFindsTheBinary(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	exe := testenv.GoBinary(t)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "notes.txt", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	tw.Write([]byte("hi"))
	tw.WriteHeader(&tar.Header{Name: "app/svc", Mode: 0o755, Size: int64(len(exe)), Typeflag: tar.TypeReg})
	tw.Write(exe)
	tw.Close()
	withGo, err := mutate.AppendLayers(empty.Image, static.NewLayer(buf.Bytes(), types.OCIUncompressedLayer))
	if err != nil {
		t.Fatal(err)
	}
	without, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	index := func(img v1.Image) v1.ImageIndex {
		idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
			mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
		return mutate.Annotations(idx, map[string]string{ocispec.AnnotationRevision: testdist.Commit}).(v1.ImageIndex)
	}
	data := statementJSON(t, index(withGo), provenance.Builder{ID: "urn:test"})
	if want := `"path":"github.com/lehus1/devops-info-service-go/internal/provenance.test"`; !strings.Contains(string(data), want) {
		t.Errorf("Make(a text file, then a Go binary) = %s, want the binary's %s", data, want)
	}
	if _, err := provenance.Make(index(without), provenance.Builder{ID: "urn:test"}); err == nil || !strings.Contains(err.Error(), "no Go executable") {
		t.Errorf("Make(no Go binary) = %v, want it to say there is no Go executable", err)
	}
	// A top layer cut short inside the executable's bytes.
	cut, err := mutate.AppendLayers(empty.Image, static.NewLayer(buf.Bytes()[:buf.Len()/2], types.OCIUncompressedLayer))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provenance.Make(index(cut), provenance.Builder{ID: "urn:test"}); err == nil || !strings.Contains(err.Error(), "reading the Go build information") {
		t.Errorf("Make(a layer cut short) = %v, want it to say it was reading the Go build information", err)
	}
}
