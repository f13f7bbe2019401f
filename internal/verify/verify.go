// Package verify checks what push published, as a user pulling the image
// would: that it is signed by the expected key or workflow identity, that
// its provenance is signed too and names the commit and digests the image
// has, and that every platform image has its SBOM, signed: attested by an
// in-toto statement whose predicate is that very document. Each failure is
// one line.
package verify

import (
	"crypto"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/lehus1/devops-info-service-go/internal/provenance"
	"github.com/lehus1/devops-info-service-go/internal/sbom/attest"
	"github.com/lehus1/devops-info-service-go/internal/sign"
)

// Image is what was found about one pushed (or built) image.
type Image struct {
	// Name is how messages name the image: repo@sha256:… or dist/oci.
	Name  string
	Index v1.Hash
	// Commit is the commit the image says it was built from (its
	// org.opencontainers.image.revision).
	Commit string
	// Platforms are the platform images, by platform (linux/amd64).
	Platforms map[string]v1.Hash
	// Bundles are the Sigstore bundles attached to the index and to its
	// platform images, each once.
	Bundles [][]byte
	// SBOMs are the SBOM documents attached to each manifest.
	SBOMs map[v1.Hash][][]byte
}

// Policy is whom a signature must come from: a public key, or (keyless)
// a certificate from Trusted's Fulcio for Identity (or IdentityRegexp)
// from Issuer, entered in Trusted's Rekor.
type Policy struct {
	Key                      crypto.PublicKey
	Identity, IdentityRegexp string
	Issuer                   string
	Trusted                  root.TrustedMaterial
	// SCTs is how many certificate transparency proofs a certificate must
	// carry: 1 for Sigstore's public Fulcio.
	SCTs int
}

// Check lists what is wrong with img under p, one line each; none means
// it verified.
func Check(img Image, p Policy) []string {
	v, policy, err := p.verifier()
	if err != nil {
		return []string{err.Error()}
	}
	var sig, prov, sboms []*intoto.Statement
	var rejected []string
	for _, data := range img.Bundles {
		st, err := verifyBundle(v, policy, data)
		if err != nil {
			rejected = append(rejected, err.Error())
			continue
		}
		// The signature itself is over the statement, whatever it is
		// about: what it is about is checked here.
		switch about := provenance.HasSubject(st, img.Index.String()); {
		case st.GetPredicateType() == attest.PredicateType:
			sboms = append(sboms, st)
		case !about:
			rejected = append(rejected, "a statement is about another image")
		case st.GetPredicateType() == sign.SignaturePredicateType:
			sig = append(sig, st)
		case st.GetPredicateType() == provenance.PredicateType:
			prov = append(prov, st)
		}
	}
	why := ""
	if len(rejected) > 0 {
		why = " (" + strings.Join(dedupe(rejected), "; ") + ")"
	}
	var fails []string
	if len(sig) == 0 {
		fails = append(fails, fmt.Sprintf("%s: no valid signature%s", img.Name, why))
	} else {
		fails = append(fails, uncovered(img, "the signature", sig[0])...)
	}
	if len(prov) == 0 {
		fails = append(fails, fmt.Sprintf("%s: no valid provenance%s", img.Name, why))
	} else {
		if got := provenance.Commit(prov[0]); got != img.Commit {
			fails = append(fails, fmt.Sprintf("%s: the provenance is for commit %q, the image says it is commit %q", img.Name, got, img.Commit))
		}
		fails = append(fails, uncovered(img, "the provenance", prov[0])...)
	}
	for _, pl := range sortedKeys(img.Platforms) {
		if why := checkSBOMs(img.SBOMs[img.Platforms[pl]], img.Platforms[pl], sboms); why != "" {
			fails = append(fails, fmt.Sprintf("%s: %s (%s) %s", img.Name, pl, img.Platforms[pl], why))
		}
	}
	return fails
}

// checkSBOMs says what is wrong with the SBOMs docs attached to the
// platform image d, given the verified SBOM attestations: "" when there
// is one, and it is what an attestation about d signed.
func checkSBOMs(docs [][]byte, d v1.Hash, attested []*intoto.Statement) string {
	var mine []*intoto.Statement
	for _, st := range attested {
		if provenance.HasSubject(st, d.String()) {
			mine = append(mine, st)
		}
	}
	switch {
	case len(docs) == 0:
		return "has no SBOM attached"
	case len(mine) == 0:
		return "has no valid SBOM attestation: its SBOM is not signed"
	}
	for _, doc := range docs {
		if !slices.ContainsFunc(mine, func(st *intoto.Statement) bool { return attest.Signed(st, doc) }) {
			return "has an SBOM attached that is not the one signed: it was changed or replaced"
		}
	}
	return ""
}

// uncovered lists the platform images that st is not about.
func uncovered(img Image, what string, st *intoto.Statement) []string {
	var out []string
	for _, pl := range sortedKeys(img.Platforms) {
		if !provenance.HasSubject(st, img.Platforms[pl].String()) {
			out = append(out, fmt.Sprintf("%s: %s does not cover %s (%s)", img.Name, what, pl, img.Platforms[pl]))
		}
	}
	return out
}

// verifier is sigstore-go's verifier and policy for p. The policy checks
// the signature and who made it, not what the statement is about: Check
// does that, as one statement is about the index and another about one
// platform image.
func (p Policy) verifier() (*sgverify.Verifier, sgverify.PolicyBuilder, error) {
	artifact := sgverify.WithoutArtifactUnsafe()
	if p.Key != nil {
		sv, err := signature.LoadVerifier(p.Key, crypto.SHA256)
		if err != nil {
			return nil, sgverify.PolicyBuilder{}, fmt.Errorf("reading the public key: %w", err)
		}
		key := root.NewExpiringKey(sv, time.Time{}, time.Time{})
		tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return key, nil })
		v, err := sgverify.NewVerifier(tm, sgverify.WithNoObserverTimestamps())
		return v, sgverify.NewPolicy(artifact, sgverify.WithKey()), err
	}
	if p.Trusted == nil || p.Issuer == "" || (p.Identity == "" && p.IdentityRegexp == "") {
		return nil, sgverify.PolicyBuilder{}, fmt.Errorf("nothing to verify against: set COSIGN_PUBLIC_KEY, or (keyless) the identity and issuer to expect")
	}
	opts := []sgverify.VerifierOption{sgverify.WithTransparencyLog(1), sgverify.WithIntegratedTimestamps(1)}
	if p.SCTs > 0 {
		opts = append(opts, sgverify.WithSignedCertificateTimestamps(p.SCTs))
	}
	id, err := sgverify.NewShortCertificateIdentity(p.Issuer, "", p.Identity, p.IdentityRegexp)
	if err != nil {
		return nil, sgverify.PolicyBuilder{}, fmt.Errorf("reading the expected identity: %w", err)
	}
	v, err := sgverify.NewVerifier(p.Trusted, opts...)
	return v, sgverify.NewPolicy(artifact, sgverify.WithCertificateIdentity(id)), err
}

func verifyBundle(v *sgverify.Verifier, policy sgverify.PolicyBuilder, data []byte) (*intoto.Statement, error) {
	var b sgbundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("a bundle cannot be read: %w", err)
	}
	res, err := v.Verify(&b, policy)
	if err != nil {
		return nil, err
	}
	if res.Statement == nil {
		return nil, fmt.Errorf("a bundle holds no in-toto statement")
	}
	return res.Statement, nil
}

func sortedKeys(m map[string]v1.Hash) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// GitHubIssuer is the OIDC issuer of GitHub Actions' workflow identities.
const GitHubIssuer = "https://token.actions.githubusercontent.com"

// PolicyFor is the policy for a public key (PEM), or else for a keyless
// identity and issuer against the trusted root in the file trustedRoot,
// or (empty) Sigstore's public-good root fetched by TUF, with one
// certificate transparency proof.
func PolicyFor(publicKey, identity, issuer, trustedRoot string) (Policy, error) {
	if publicKey != "" {
		k, err := sign.LoadPublicKey([]byte(publicKey))
		if err != nil {
			return Policy{}, fmt.Errorf("COSIGN_PUBLIC_KEY: %w", err)
		}
		return Policy{Key: k}, nil
	}
	if identity == "" || issuer == "" {
		return Policy{}, fmt.Errorf("nothing to verify against: set COSIGN_PUBLIC_KEY (cosign.pub), or COSIGN_CERTIFICATE_IDENTITY and COSIGN_CERTIFICATE_OIDC_ISSUER for a keyless signature")
	}
	var tm root.TrustedMaterial
	var err error
	if trustedRoot != "" {
		tm, err = root.NewTrustedRootFromPath(trustedRoot)
	} else {
		tm, err = root.FetchTrustedRoot()
	}
	if err != nil {
		return Policy{}, fmt.Errorf("reading Sigstore's trusted root: %w", err)
	}
	return Policy{Identity: identity, Issuer: issuer, Trusted: tm, SCTs: 1}, nil
}
