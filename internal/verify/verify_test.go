package verify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/provenance"
	"github.com/lehus1/devops-info-service-go/internal/publish"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
	"github.com/lehus1/devops-info-service-go/internal/sign"
	"github.com/lehus1/devops-info-service-go/internal/testregistry"
)

// newKey is a P-256 key, as `cosign generate-key-pair` makes, and its
// public key's PEM. It is not encrypted and loaded: that is sign's to
// test, and its scrypt takes seconds in a -race binary.
func newKey(t *testing.T) (*sign.Key, []byte) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := sign.NewKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := k.GetPublicKeyPem()
	if err != nil {
		t.Fatal(err)
	}
	return k, []byte(pub)
}

// keyPair is a key signer and the policy of its public key.
func keyPair(t *testing.T) (*sign.Signer, Policy) {
	t.Helper()
	k, pub := newKey(t)
	p, err := PolicyFor(string(pub), "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	return sign.WithKey(k), p
}

// target is where a test pushes: a repository and how to reach it.
type target struct {
	repo name.Repository
	reg  *registryhttp.Client
}

func (tg target) remote() []remote.Option { return tg.reg.Options(context.Background()) }

func memTarget(t *testing.T, referrers bool) target {
	return target{memRegistry(t, referrers), registryhttp.New(registryhttp.Config{Keychain: authn.NewMultiKeychain()})}
}

// realTarget is CNCF Distribution on 127.0.0.1, with TLS and htpasswd.
func realTarget(t *testing.T) target {
	t.Helper()
	s := testregistry.New(t, "ci-bot", "s3cret-pw")
	pemBytes, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	repo, err := name.NewRepository(s.Addr + "/lehus1/svc")
	if err != nil {
		t.Fatal(err)
	}
	return target{repo, registryhttp.New(registryhttp.Config{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		Registry: s.Addr, Username: "ci-bot", Password: "s3cret-pw", Keychain: authn.NewMultiKeychain()})}
}

// push pushes idx with arts as push does, and reads it back for checking.
func push(t *testing.T, tg target, idx v1.ImageIndex, arts ...ocilayout.Artifact) Image {
	t.Helper()
	res, err := publish.Push(t.Context(), idx, tg.repo, []string{"1.2.3"}, publish.WithArtifacts(arts...),
		publish.WithRegistry(tg.reg))
	if err != nil {
		t.Fatal(err)
	}
	img, err := FromRegistry(res.Digest, tg.remote()...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// signed is what push attaches: idx signed, statements (a provenance)
// signed, and the SBOMs of sbomAttachments attested.
func signed(t *testing.T, s *sign.Signer, idx v1.ImageIndex, statements ...[]byte) sign.Signed {
	t.Helper()
	var parsed []*intoto.Statement
	for _, st := range statements {
		p, err := provenance.Parse(st)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, p)
	}
	out, err := sign.Image(t.Context(), s, idx, parsed...)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[v1.Hash][][]byte{}
	for _, a := range sbomAttachments(t, idx) {
		docs[a.Subject.Digest] = append(docs[a.Subject.Digest], a.Data)
	}
	sboms, err := sign.SBOMs(t.Context(), s, idx, docs)
	if err != nil {
		t.Fatal(err)
	}
	out.Bundles = append(out.Bundles, sboms.Bundles...)
	out.Artifacts = append(out.Artifacts, sboms.Artifacts...)
	return out
}

// A signed push verifies on registries with and without the referrers
// API, and on a real one.
func TestSignedPushVerifies(t *testing.T) {
	t.Parallel()
	targets := map[string]func(*testing.T) target{
		"in-memory, referrers API":    func(t *testing.T) target { return memTarget(t, true) },
		"in-memory, no referrers API": func(t *testing.T) target { return memTarget(t, false) },
		"testregistry":                realTarget,
	}
	for name, mk := range targets {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg := mk(t)
			signer, policy := keyPair(t)
			idx := testIndex(t, commit)
			s := signed(t, signer, idx, provenanceOf(t, idx, commit))
			img := push(t, tg, idx, append(sboms(t, idx), s.Artifacts...)...)
			if fails := Check(img, policy); len(fails) > 0 {
				t.Errorf("Check(pushed) = %q, want no failures", fails)
			}
			if len(img.Bundles) != 2+len(platforms) || len(img.SBOMs) != len(platforms) {
				t.Errorf("FromRegistry() found %d bundles and %d SBOMs, want %d (signature, provenance, an SBOM attestation per platform) and %d",
					len(img.Bundles), len(img.SBOMs), 2+len(platforms), len(platforms))
			}
		})
	}
}

// Each way a push can be wrong fails verification with a line that says
// what is wrong, and nothing else. (A want of "A…B" is a line with A and B.)
func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	signer, policy := keyPair(t)
	_, otherKey := keyPair(t)
	tests := []struct {
		name   string
		policy Policy
		// attach makes what is pushed along with idx.
		attach func(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact
		want   []string
	}{
		{"a changed image", policy, func(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact {
			// The signatures of another build, attached to this one.
			other := testIndex(t, commit)
			s := signed(t, signer, other, provenanceOf(t, other, commit))
			return append(sboms(t, idx), retarget(t, s, idx)...)
		}, append([]string{"no valid signature", "no valid provenance"}, unsignedSBOMs...)},
		{"a wrong key", otherKey, func(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact {
			return append(sboms(t, idx), signed(t, signer, idx, provenanceOf(t, idx, commit)).Artifacts...)
		}, append([]string{"no valid signature", "no valid provenance"}, unsignedSBOMs...)},
		{"a provenance for another commit", policy, func(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact {
			other := "fedcba9876543210fedcba9876543210fedcba98"
			return append(sboms(t, idx), signed(t, signer, idx, provenanceOf(t, idx, other)).Artifacts...)
		}, []string{`the provenance is for commit "fedcba9876543210fedcba9876543210fedcba98", the image says it is commit "` + commit + `"`}},
		{"a missing SBOM", policy, func(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact {
			return append(sboms(t, idx)[:1], signed(t, signer, idx, provenanceOf(t, idx, commit)).Artifacts...)
		}, []string{"linux/arm64/v8 (sha256:"}},
		{"unsigned", policy, func(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact {
			return sboms(t, idx)
		}, append([]string{"no valid signature", "no valid provenance"}, unsignedSBOMs...)},
		// The repro: signed, then both SBOMs replaced.
		{"replaced SBOMs", policy, func(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact {
			return append(forged(t, idx), signed(t, signer, idx, provenanceOf(t, idx, commit)).Artifacts...)
		}, changedSBOMs},
		{"a forged SBOM beside the real one", policy, func(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact {
			return append(append(sboms(t, idx), forged(t, idx)[1:]...), signed(t, signer, idx, provenanceOf(t, idx, commit)).Artifacts...)
		}, changedSBOMs[1:]},
		{"replaced SBOMs attested with another key", policy, func(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact {
			other, _ := keyPair(t)
			docs := map[v1.Hash][][]byte{}
			for _, a := range sbomAttachments(t, idx) {
				docs[a.Subject.Digest] = [][]byte{[]byte(forgedSBOM)}
			}
			attested, err := sign.SBOMs(t.Context(), other, idx, docs)
			if err != nil {
				t.Fatal(err)
			}
			// The real signature and provenance, the forged SBOMs and their attestations.
			arts := signed(t, signer, idx, provenanceOf(t, idx, commit)).Artifacts[:2*(1+len(platforms))]
			return append(append(forged(t, idx), arts...), attested.Artifacts...)
		}, unsignedSBOMs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idx := testIndex(t, commit)
			img := push(t, memTarget(t, true), idx, tt.attach(t, idx)...)
			fails := Check(img, tt.policy)
			if len(fails) != len(tt.want) {
				t.Fatalf("Check() = %q, want %d lines: %q", fails, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				for _, part := range strings.Split(w, "…") {
					if !strings.Contains(fails[i], part) || strings.Contains(fails[i], "\n") {
						t.Errorf("Check() line %d = %q, want one line with %q", i, fails[i], part)
					}
				}
			}
		})
	}
}

// unsignedSBOMs and changedSBOMs are the lines Check writes when no
// platform's SBOM is signed, and when each was changed after signing.
var (
	unsignedSBOMs = []string{"linux/amd64 (sha256:…has no valid SBOM attestation", "linux/arm64/v8 (sha256:…has no valid SBOM attestation"}
	changedSBOMs  = []string{"linux/amd64 (sha256:…not the one signed", "linux/arm64/v8 (sha256:…not the one signed"}
)

// forgedSBOM is what the repro put in place of each SBOM.
const forgedSBOM = `{"name":"NOT THE REAL SBOM","packages":[]}`

// forged are SBOMs that say forgedSBOM, attached to each platform of idx.
func forged(t *testing.T, idx v1.ImageIndex) []ocilayout.Artifact {
	t.Helper()
	var out []ocilayout.Artifact
	for _, att := range sbomAttachments(t, idx) {
		att.Data = []byte(forgedSBOM)
		a, err := ocilayout.NewArtifact(att)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// retarget attaches s's bundles to idx instead of the image they sign.
func retarget(t *testing.T, s sign.Signed, idx v1.ImageIndex) []ocilayout.Artifact {
	t.Helper()
	raw, _ := idx.RawManifest()
	d, _ := idx.Digest()
	var out []ocilayout.Artifact
	for _, b := range s.Bundles {
		a, err := ocilayout.NewArtifact(ocilayout.Attachment{Subject: v1.Descriptor{MediaType: types.OCIImageIndex, Digest: d, Size: int64(len(raw))},
			ArtifactType: sign.BundleMediaType, Data: b.Data})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// dist/oci and dist/provenance verify as the registry does.
func TestFromLayout(t *testing.T) {
	t.Parallel()
	signer, policy := keyPair(t)
	idx := testIndex(t, commit)
	dir := t.TempDir()
	layout := dir + "/oci"
	if err := ocilayout.Write(idx, ocilayout.Outputs{Layout: layout, RefName: "1.2.3"}, "test", sbomAttachments(t, idx)...); err != nil {
		t.Fatal(err)
	}
	img, err := FromLayout(layout, dir+"/provenance")
	if err != nil {
		t.Fatal(err)
	}
	if fails := Check(img, policy); len(fails) != 4 {
		t.Errorf("Check(layout without bundles) = %q, want no signature, no provenance, and each SBOM unsigned", fails)
	}
	if err := signed(t, signer, idx, provenanceOf(t, idx, commit)).WriteFiles(dir + "/provenance"); err != nil {
		t.Fatal(err)
	}
	if img, err = FromLayout(layout, dir+"/provenance"); err != nil {
		t.Fatal(err)
	}
	if fails := Check(img, policy); len(fails) > 0 {
		t.Errorf("Check(layout) = %q, want no failures", fails)
	}
	// The repro: signed, then both SBOMs in dist/oci replaced.
	var fakes []ocilayout.Attachment
	for _, a := range sbomAttachments(t, idx) {
		a.Data = []byte(forgedSBOM)
		fakes = append(fakes, a)
	}
	forgedLayout := dir + "/forged"
	if err := ocilayout.Write(idx, ocilayout.Outputs{Layout: forgedLayout, RefName: "1.2.3"}, "test", fakes...); err != nil {
		t.Fatal(err)
	}
	if img, err = FromLayout(forgedLayout, dir+"/provenance"); err != nil {
		t.Fatal(err)
	}
	fails := Check(img, policy)
	if len(fails) != 2 || !strings.Contains(fails[0], "linux/amd64 (") || !strings.Contains(fails[1], "linux/arm64/v8 (") ||
		!strings.Contains(fails[0], "not the one signed") || !strings.Contains(fails[1], "not the one signed") {
		t.Errorf("Check(layout with replaced SBOMs) = %q, want a line for each platform saying its SBOM is not the one signed", fails)
	}
}

// What push sent, signatures and provenance added to the loaded layout,
// reads back from cfg and the layout it came from, as the verify target
// does.
func TestFromPush(t *testing.T) {
	t.Parallel()
	signer, policy := keyPair(t)
	idx := testIndex(t, commit)
	dir := t.TempDir() + "/oci"
	if err := ocilayout.Write(idx, ocilayout.Outputs{Layout: dir, RefName: "1.2.3"}, "test", sbomAttachments(t, idx)...); err != nil {
		t.Fatal(err)
	}
	repo := memRegistry(t, false)
	cfg := publish.Config{Repo: repo, Insecure: []string{repo.RegistryStr()}}
	loaded, err := ocilayout.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	loaded.Artifacts = append(loaded.Artifacts, signed(t, signer, idx, provenanceOf(t, idx, commit)).Artifacts...)
	var stdout, stderr strings.Builder
	if err := publish.Run(t.Context(), loaded, cfg, &stdout, &stderr); err != nil {
		t.Fatalf("publish.Run() = %v\n%s", err, stderr.String())
	}
	d, _ := idx.Digest()
	for _, digest := range []string{"", d.String()} {
		img, err := FromPush(t.Context(), cfg, digest, dir)
		if err != nil {
			t.Fatalf("FromPush(%q) = %v", digest, err)
		}
		if fails := Check(img, policy); len(fails) > 0 || img.Index != d {
			t.Errorf("Check(FromPush(%q)) = %q for %s, want no failures for %s", digest, fails, img.Index, d)
		}
	}
	if _, err := FromPush(t.Context(), cfg, "", t.TempDir()); err == nil || !strings.Contains(err.Error(), "IMAGE names no digest") {
		t.Errorf("FromPush(no digest, no layout) = %v, want it to say IMAGE names no digest", err)
	}
}
