//go:build linux

// The clients (skopeo, umoci, podman from Debian; crane from go.mod; oras
// from go install) are tested on Linux, where CI installs them; macOS and
// Windows runners check the digest instead.

package image_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// skopeo copy --all --preserve-digests copies dist/oci to another layout
// and keeps the index digest that build printed.
func TestSkopeoCopiesTheLayoutKeepingTheDigest(t *testing.T) {
	testenv.SkipIfShort(t, "runs skopeo")
	t.Parallel()
	d := buildDist(t, "")
	dest := filepath.Join(t.TempDir(), "copy")
	skopeo(t, "copy", "--quiet", "--all", "--preserve-digests", "oci:"+d.out.Layout+":"+version, "oci:"+dest+":"+version)
	if got := indexDigest(t, dest, version); got != d.digest {
		t.Errorf("skopeo copy --all --preserve-digests: index %s, want %s as built", got, d.digest)
	}
}

// umoci, which needs a single manifest, unpacks a platform image by its
// own ref name into a runtime bundle with the service in it.
func TestUmociUnpacksAPlatformImage(t *testing.T) {
	t.Parallel()
	testenv.MustHaveExec(t, "umoci", "apt-get install umoci")
	d := buildDist(t, "")
	bundle := filepath.Join(t.TempDir(), "bundle")
	args := []string{"unpack", "--image", d.out.Layout + ":" + version + "-linux-amd64", bundle}
	if os.Geteuid() != 0 {
		args = append(args[:1], append([]string{"--rootless"}, args[1:]...)...)
	}
	run(t, nil, "umoci", args...)
	got, err := os.ReadFile(filepath.Join(bundle, "rootfs", "app", "devops-info-service"))
	if err != nil || !bytes.Equal(got, d.bin) {
		t.Errorf("umoci unpack: rootfs/app/devops-info-service = %d bytes, %v; want the service's %d", len(got), err, len(d.bin))
	}
	var spec struct {
		Process struct {
			Args []string
			User struct{ UID, GID int }
		}
	}
	data, _ := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Process.Args) == 0 || spec.Process.Args[0] != contract.Binary || spec.Process.User.UID != contract.UID {
		t.Errorf("umoci unpack: process %+v, want %s as uid %d", spec.Process, contract.Binary, contract.UID)
	}
}

// The image and its SBOM say the same about the source, as skopeo and oras
// read them from dist/oci: the same address, or, where the build has none
// (a fork, a local remote), none in either.
func TestImageAndSBOMAgreeOnTheSource(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	for _, source := range []string{"https://example.com/fork/svc", ""} {
		t.Run(source, func(t *testing.T) {
			d := buildDist(t, source)
			ref := d.out.Layout + ":" + ocilayout.PlatformRef(version, v1.Platform{OS: "linux", Architecture: "amd64"})
			var cfg v1.ConfigFile
			if err := json.Unmarshal([]byte(skopeo(t, "inspect", "--config", "oci:"+ref)), &cfg); err != nil {
				t.Fatal(err)
			}
			label, ok := cfg.Config.Labels[ocispec.AnnotationSource]
			if want := source != ""; ok != want || label != source {
				t.Errorf("skopeo inspect --config: source label %q (present %v), want %q", label, ok, source)
			}
			doc := pullSBOM(t, []string{"--oci-layout"}, ref, d.out.Layout+"@")
			var spdx struct {
				Packages []struct{ DownloadLocation string }
			}
			if err := json.Unmarshal(doc, &spdx); err != nil || len(spdx.Packages) == 0 {
				t.Fatalf("reading the pulled SBOM: %v", err)
			}
			want := source
			if want == "" {
				want = "NOASSERTION"
			}
			if got := spdx.Packages[0].DownloadLocation; got != want {
				t.Errorf("oras pull: the SBOM's image download location %q, want %q as the image says", got, want)
			}
			if bytes.Contains(doc, []byte("github.com/lehus1")) {
				t.Errorf("the SBOM names github.com/lehus1; the image says %q", source)
			}
			if file, err := os.ReadFile(filepath.Join(d.cfg.SBOMDir(), "linux_amd64.spdx.json")); err != nil || !bytes.Equal(file, doc) {
				t.Errorf("oras pull gave %d bytes, dist/sbom has %d (%v); want the same file", len(doc), len(file), err)
			}
		})
	}
}

// pullSBOM finds the document attached to subject, its one referrer, with
// oras discover and pulls it with oras pull into a new folder, under the
// file name the layer's title gives; it returns the file. byDigest is the
// subject's repository (or layout) followed by "@", to which the SBOM's
// digest is appended. (No --artifact-type filter: go-containerregistry's
// registry reports a referrer's config media type as its artifactType.)
func pullSBOM(t *testing.T, flags []string, subject, byDigest string) []byte {
	t.Helper()
	out := oras(t, append(append([]string{"discover", "--format", "json"}, flags...), subject)...)
	var found struct {
		Referrers []struct {
			Digest, ArtifactType string
		}
	}
	if err := json.Unmarshal([]byte(out), &found); err != nil || len(found.Referrers) != 1 {
		t.Fatalf("oras discover %s: %d SBOMs, %v; want 1:\n%s", subject, len(found.Referrers), err, out)
	}
	dir := t.TempDir()
	oras(t, append(append([]string{"pull", "--no-tty", "-o", dir}, flags...), byDigest+found.Referrers[0].Digest)...)
	doc, err := os.ReadFile(filepath.Join(dir, "linux_amd64.spdx.json"))
	if err != nil {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("oras pull wrote %d files, not linux_amd64.spdx.json: %v", len(entries), err)
	}
	return doc
}

// podman load names dist/image.tar as podman pull of IMAGE:VERSION and
// IMAGE:latest would (docker.io/..., not localhost/...), in a store of the
// test's own.
func TestPodmanLoadsUnderThePullName(t *testing.T) {
	testenv.MustHaveExec(t, "podman", "apt-get install podman")
	d := buildDist(t, "")
	if len(d.out.TarballTags) == 0 {
		testenv.SkipLoudly(t, "no dist/image.tar: this machine's platform is not linux/amd64 or linux/arm64")
	}
	// podman wants a run root under 50 characters: t.TempDir's are longer.
	store, err := os.MkdirTemp("", "podman")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(store) })
	podman := func(args ...string) string {
		t.Helper()
		return run(t, nil, "podman", append([]string{"--root", filepath.Join(store, "root"), "--runroot", filepath.Join(store, "run"),
			"--tmpdir", filepath.Join(store, "tmp"), "--storage-driver", "vfs", "--events-backend", "none"}, args...)...)
	}
	podman("load", "--quiet", "-i", d.out.Tarball)
	got := strings.Fields(podman("images", "--format", "{{.Repository}}:{{.Tag}}"))
	slices.Sort(got)
	if want := []string{"docker.io/lehus1/devops-info-service-go:" + version, "docker.io/lehus1/devops-info-service-go:latest"}; !slices.Equal(got, want) {
		t.Errorf("podman load -i dist/image.tar: images %q, want %q", got, want)
	}
}

// crane validates dist/image.tar.
func TestCraneValidatesTheTarball(t *testing.T) {
	testenv.SkipIfShort(t, "runs crane")
	t.Parallel()
	d := buildDist(t, "")
	if len(d.out.TarballTags) == 0 {
		testenv.SkipLoudly(t, "no dist/image.tar: this machine's platform is not linux/amd64 or linux/arm64")
	}
	if out := goTool(t, nil, "crane", "validate", "--tarball", d.out.Tarball); !strings.Contains(out, "PASS") {
		t.Errorf("crane validate --tarball: %s, want PASS", out)
	}
}
