package ocilayout

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

var (
	amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
)

// testIndex is a two-platform OCI index of random images.
func testIndex(t *testing.T) v1.ImageIndex {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range []v1.Platform{amd64, arm64} {
		img, err := random.Image(512, 1)
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	return idx
}

// sboms are one attachment per platform image of idx.
func sboms(t *testing.T, idx v1.ImageIndex) []Attachment {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var out []Attachment
	for _, m := range im.Manifests {
		out = append(out, Attachment{Subject: m, ArtifactType: "application/spdx+json", Data: []byte(`{"p":"` + m.Platform.Architecture + `"}`), Title: "x.spdx.json"})
	}
	return out
}

func outputs(dir string) Outputs {
	return Outputs{Layout: filepath.Join(dir, "oci"), RefName: "1.2.3", Tarball: filepath.Join(dir, "image.tar"),
		TarballTags: []string{"example.com/svc:1.2.3", "example.com/svc:latest"}, TarballPlatform: amd64}
}

// What Write puts on disk reads back: the index under its version, each
// platform under its own name, the attachments, the tarball; and it is
// reused for the same inputs only.
func TestWriteThenRead(t *testing.T) {
	dir := t.TempDir()
	idx := testIndex(t)
	want, _ := idx.Digest()
	out := outputs(dir)
	if err := Write(idx, out, "inputs-1", sboms(t, idx)...); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	if _, desc, err := Read(out.Layout); err != nil || desc.Digest != want {
		t.Errorf("Read() = %v, %v; want %s", desc.Digest, err, want)
	}
	if e, err := Find(out.Layout); err != nil || e.Digest != want || e.Ref != "1.2.3" {
		t.Errorf("Find(%s) = %v %q, %v; want the index %s, 1.2.3", out.Layout, e.Digest, e.Ref, err, want)
	}
	im, _ := idx.IndexManifest()
	if e, err := Find(out.Layout + ":" + PlatformRef("1.2.3", arm64)); err != nil || e.Digest != im.Manifests[1].Digest {
		t.Errorf("Find(:%s) = %v, %v; want %s", PlatformRef("1.2.3", arm64), e.Digest, err, im.Manifests[1].Digest)
	}
	if _, err := Find(out.Layout + ":nope"); err == nil || !strings.Contains(err.Error(), `0 images match "nope"`) {
		t.Errorf("Find(:nope) = %v, want no match", err)
	}
	arts, err := Artifacts(out.Layout)
	if err != nil || len(arts) != 2 {
		t.Fatalf("Artifacts() = %d, %v; want 2", len(arts), err)
	}
	for i, a := range arts {
		if s, err := a.Subject(); err != nil || s != im.Manifests[i].Digest {
			t.Errorf("Artifacts()[%d].Subject() = %s, %v; want %s", i, s, err, im.Manifests[i].Digest)
		}
	}
	if _, err := os.Stat(out.Tarball); err != nil {
		t.Errorf("no tarball after Write(): %v", err)
	}
	if got, want := out.String(), out.Layout+", "+out.Tarball+" (example.com/svc:1.2.3, latest)"; got != want {
		t.Errorf("Outputs.String() = %q, want %q", got, want)
	}
	if d, ok := Holds(out, "inputs-1"); !ok || d != want {
		t.Errorf("Holds(out, inputs-1) = %s, %v; want %s, true", d, ok, want)
	}
	if _, ok := Holds(out, "inputs-2"); ok {
		t.Errorf("Holds(other inputs) = true, want false")
	}
	other := out
	other.RefName = "1.2.4"
	if _, ok := Holds(other, "inputs-1"); ok {
		t.Errorf("Holds(another version) = true, want false")
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(out.Layout, "index.json"))
		if err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("index.json mode = %v, %v; want 0644", fi.Mode().Perm(), err)
		}
	}
}

// Without a tarball tag, a tarball left by an earlier build is removed:
// it would describe another image.
func TestWriteRemovesStaleTarball(t *testing.T) {
	dir := t.TempDir()
	out := outputs(dir)
	if err := os.WriteFile(out.Tarball, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.TarballTags = nil
	if err := Write(testIndex(t), out, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out.Tarball); !os.IsNotExist(err) {
		t.Errorf("stale tarball after Write() without a tag: %v, want it gone", err)
	}
	if got := out.String(); got != out.Layout+", "+out.Tarball+" ()" {
		t.Errorf("Outputs.String() = %q", got)
	}
}

// Verify finds a blob that is missing or does not match its digest.
func TestVerify(t *testing.T) {
	dir := t.TempDir()
	idx := testIndex(t)
	out := outputs(dir)
	if err := Write(idx, out, "x"); err != nil {
		t.Fatal(err)
	}
	if err := Verify(out.Layout); err != nil {
		t.Fatalf("Verify(whole layout) = %v", err)
	}
	img, _ := idx.Image(mustManifests(t, idx)[0].Digest)
	layers, _ := img.Layers()
	h, _ := layers[0].Digest()
	blob := filepath.Join(out.Layout, "blobs", h.Algorithm, h.Hex)
	if err := os.WriteFile(blob, []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Verify(out.Layout); err == nil || !strings.Contains(err.Error(), "does not match its digest") {
		t.Errorf("Verify(tampered blob) = %v, want a digest mismatch", err)
	}
	os.Remove(blob)
	if err := Verify(out.Layout); err == nil || !strings.Contains(err.Error(), "is damaged") {
		t.Errorf("Verify(missing blob) = %v, want damage", err)
	}
	if _, ok := Holds(out, "x"); ok {
		t.Errorf("Holds(damaged layout) = true, want false")
	}
	if err := Verify(filepath.Join(dir, "none")); err == nil {
		t.Errorf("Verify(no layout) = nil, want an error")
	}
}

func mustManifests(t *testing.T, idx v1.ImageIndex) []v1.Descriptor {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	return im.Manifests
}

// A second Write replaces the first layout whole; bad outputs are errors
// that leave it as it was.
func TestWriteReplacesAndRefuses(t *testing.T) {
	dir := t.TempDir()
	out := outputs(dir)
	first, second := testIndex(t), testIndex(t)
	for _, idx := range []v1.ImageIndex{first, second} {
		if err := Write(idx, out, "x"); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := second.Digest()
	if _, desc, err := Read(out.Layout); err != nil || desc.Digest != want {
		t.Errorf("Read() after two writes = %s, %v; want the second, %s", desc.Digest, err, want)
	}
	if left := leftovers(t, dir, out); len(left) > 0 {
		t.Errorf("after two writes: left behind %q, the first image's blobs", left)
	}
	bad := out
	bad.TarballTags = []string{"example.com/svc:1.2.3", "Not A Tag!"}
	if err := Write(first, bad, "x"); err == nil || !strings.Contains(err.Error(), "tagging the tarball") {
		t.Errorf("Write(bad tag) = %v, want a tagging error", err)
	}
	bad = out
	bad.TarballPlatform = v1.Platform{OS: "linux", Architecture: "s390x"}
	if err := Write(first, bad, "x"); err == nil || !strings.Contains(err.Error(), "has no linux/s390x image") {
		t.Errorf("Write(tarball of a missing platform) = %v", err)
	}
	if _, desc, _ := Read(out.Layout); desc.Digest != want {
		t.Errorf("a failed Write changed the layout: %s, want %s", desc.Digest, want)
	}
	if _, _, err := Read(filepath.Join(dir, "none")); err == nil || !strings.Contains(err.Error(), "run `go tool mage build` first") {
		t.Errorf("Read(no layout) = %v", err)
	}
	if _, err := (Artifact{Manifest: []byte(`{}`)}).Subject(); err == nil {
		t.Errorf("Subject() of an artifact without one = nil error")
	}
}

// v1Hash is the digest a blob's path names.
func v1Hash(path string) v1.Hash {
	return v1.Hash{Algorithm: filepath.Base(filepath.Dir(path)), Hex: filepath.Base(path)}
}
