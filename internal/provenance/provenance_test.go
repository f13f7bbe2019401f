package provenance

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
	"github.com/lehus1/devops-info-service-go/internal/version"
)

var info = version.Info{Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Time: time.Unix(1700000000, 0)}

// build builds the service and its image as `mage build` does, into a
// folder of its own.
func build(t *testing.T) v1.ImageIndex {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bins, err := binary.Build(t.Context(), root, info, binary.WithOutput(t.TempDir()), binary.WithPlatforms(v1.Platform{OS: "linux", Architecture: "amd64"}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := base.Resolve(t.Context(), "static", layer.Gzip, base.WithCacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := image.Assemble(t.Context(), b, bins, image.Metadata{Title: "t", Version: info.Version, Revision: info.Commit,
		Source: "https://github.com/lehus1/devops-info-service-go", Created: info.Time})
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func statementJSON(t *testing.T, idx v1.ImageIndex, b Builder) []byte {
	t.Helper()
	st, err := Make(idx, b)
	if err != nil {
		t.Fatal(err)
	}
	data, err := JSON(st)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Two builds of one commit give the same statement, byte for byte, but
// for the run's own id; the statement says what the image is and how it
// was made.
func TestMake(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	first, second := build(t), build(t)
	ci := Builder{ID: "https://github.com/lehus1/devops-info-service-go/.github/workflows/ci.yml@refs/heads/main", Ref: "refs/heads/main",
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

	st, err := Parse(a)
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
		{"predicate type", st.GetPredicateType(), PredicateType},
		{"build type", p.BuildDefinition.BuildType, BuildType},
		{"commit", Commit(st), info.Commit},
		{"VERSION", p.BuildDefinition.ExternalParameters["VERSION"], info.Version},
		{"PLATFORMS", p.BuildDefinition.ExternalParameters["PLATFORMS"], "linux/amd64"},
		{"BASE_IMAGE", p.BuildDefinition.ExternalParameters["BASE_IMAGE"], "static"},
		{"ref", p.BuildDefinition.ExternalParameters["ref"], "refs/heads/main"},
		{"Go version", p.BuildDefinition.InternalParameters.GoVersion, runtimeToolchain(t)},
		{"source", p.BuildDefinition.ResolvedDependencies[0].URI, "git+https://github.com/lehus1/devops-info-service-go@refs/heads/main"},
		{"source commit", p.BuildDefinition.ResolvedDependencies[0].Digest["gitCommit"], info.Commit},
		{"builder", p.RunDetails.Builder.ID, ci.ID},
		{"invocation", p.RunDetails.Metadata.InvocationID, ci.Invocation},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Make() %s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if !HasSubject(st, d.String()) || !HasSubject(st, im.Manifests[0].Digest.String()) || len(st.GetSubject()) != 2 {
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
	idx := build(t)
	digest := "sha256:" + strings.Repeat("ab", 32)
	withBase := mutate.Annotations(idx, map[string]string{ocispec.AnnotationBaseImageName: "gcr.io/distroless/static:nonroot", ocispec.AnnotationBaseImageDigest: digest}).(v1.ImageIndex)
	data := statementJSON(t, withBase, Builder{ID: "urn:test"})
	if want := `{"digest":{"sha256":"` + strings.Repeat("ab", 32) + `"},"name":"base","uri":"oci://gcr.io/distroless/static:nonroot"}`; !strings.Contains(string(data), want) {
		t.Errorf("Make(registry base) = %s, want a dependency %s", data, want)
	}
	if !strings.Contains(string(data), `"BASE_IMAGE":"gcr.io/distroless/static:nonroot"`) {
		t.Errorf("Make(registry base) = %s, want BASE_IMAGE named", data)
	}
	bad := mutate.Annotations(idx, map[string]string{ocispec.AnnotationBaseImageName: "x", ocispec.AnnotationBaseImageDigest: "sha256:nothex"}).(v1.ImageIndex)
	if _, err := Make(bad, Builder{ID: "urn:test"}); err == nil || !strings.Contains(err.Error(), `reading the base's digest "sha256:nothex"`) {
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

func TestDirHash(t *testing.T) {
	tests := []struct {
		sum, want string
		ok        bool
	}{
		{"h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true},
		{"", "", false},
		{"h2:abc", "", false},
		{"h1:not base64!", "", false},
	}
	for _, tt := range tests {
		if got, ok := dirHash(tt.sum); got != tt.want || ok != tt.ok {
			t.Errorf("dirHash(%q) = %q, %v, want %q, %v", tt.sum, got, ok, tt.want, tt.ok)
		}
	}
}

// The first Go executable in the top layer is the one described, whatever
// comes before it; an image without one has no provenance to give.
func TestMakeFindsTheBinary(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	exe, err := os.ReadFile(os.Args[0]) // this test: a Go binary
	if err != nil {
		t.Fatal(err)
	}
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
		return mutate.Annotations(idx, map[string]string{ocispec.AnnotationRevision: info.Commit}).(v1.ImageIndex)
	}
	data := statementJSON(t, index(withGo), Builder{ID: "urn:test"})
	if want := `"path":"github.com/lehus1/devops-info-service-go/internal/provenance.test"`; !strings.Contains(string(data), want) {
		t.Errorf("Make(a text file, then a Go binary) = %s, want the binary's %s", data, want)
	}
	if _, err := Make(index(without), Builder{ID: "urn:test"}); err == nil || !strings.Contains(err.Error(), "no Go executable") {
		t.Errorf("Make(no Go binary) = %v, want it to say there is no Go executable", err)
	}
	// A top layer cut short inside the executable's bytes.
	cut, err := mutate.AppendLayers(empty.Image, static.NewLayer(buf.Bytes()[:buf.Len()/2], types.OCIUncompressedLayer))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Make(index(cut), Builder{ID: "urn:test"}); err == nil || !strings.Contains(err.Error(), "reading the Go build information") {
		t.Errorf("Make(a layer cut short) = %v, want it to say it was reading the Go build information", err)
	}
}
