package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/runtime"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/rekor/pkg/generated/client/entries"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"

	"github.com/lehus1/devops-info-service-go/internal/sign"
)

// The workflow identity a keyless signature in CI carries.
const workflowIdentity = "https://github.com/lehus1/devops-info-service-go/.github/workflows/ci.yml@refs/heads/main"

// fakeFulcio is Fulcio's signingCert endpoint, in process: it checks the
// token and the proof of possession, and certifies the key with the
// virtual Sigstore's certificate for it.
type fakeFulcio struct {
	token string
	leaf  *x509.Certificate
	calls int
}

func (f *fakeFulcio) RoundTrip(r *http.Request) (*http.Response, error) {
	f.calls++
	var req struct {
		PublicKeyRequest struct {
			PublicKey         struct{ Content string } `json:"publicKey"`
			ProofOfPossession string                   `json:"proofOfPossession"`
		} `json:"publicKeyRequest"`
	}
	body, _ := io.ReadAll(r.Body)
	status, out := http.StatusOK, []byte{}
	switch err := json.Unmarshal(body, &req); {
	case r.URL.Path != "/api/v2/signingCert" || err != nil:
		status = http.StatusBadRequest
	case r.Header.Get("Authorization") != "Bearer "+f.token:
		status = http.StatusUnauthorized
	default:
		block, _ := pem.Decode([]byte(req.PublicKeyRequest.PublicKey.Content))
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		sig, _ := base64.StdEncoding.DecodeString(req.PublicKeyRequest.ProofOfPossession)
		sum := sha256.Sum256([]byte(workflowIdentity))
		if err != nil || !pub.(*ecdsa.PublicKey).Equal(f.leaf.PublicKey) || !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), sum[:], sig) {
			status = http.StatusBadRequest
			break
		}
		leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.leaf.Raw})
		out, _ = json.Marshal(map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": []string{string(leafPEM)}}}})
	}
	return &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(out)), Header: http.Header{}, Request: r}, nil
}

// fakeRekor enters a DSSE envelope in the virtual Sigstore's log, with an
// inclusion proof and a signed entry timestamp.
type fakeRekor struct {
	vs   *ca.VirtualSigstore
	leaf *x509.Certificate
}

func (f *fakeRekor) CreateLogEntry(p *entries.CreateLogEntryParams, _ ...entries.ClientOption) (*entries.CreateLogEntryCreated, error) {
	var proposed bytes.Buffer
	if err := runtime.JSONProducer().Produce(&proposed, p.ProposedEntry); err != nil {
		return nil, err
	}
	var entry struct {
		Spec struct {
			ProposedContent struct{ Envelope string } `json:"proposedContent"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(proposed.Bytes(), &entry); err != nil {
		return nil, err
	}
	var env dsse.Envelope
	if err := json.Unmarshal([]byte(entry.Spec.ProposedContent.Envelope), &env); err != nil {
		return nil, err
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	if err != nil {
		return nil, err
	}
	e, err := f.vs.GenerateTlogEntry(f.leaf, &env, sig, time.Now().Unix(), true)
	if err != nil {
		return nil, err
	}
	tle := e.TransparencyLogEntry()
	var hashes []string
	for _, h := range tle.GetInclusionProof().GetHashes() {
		hashes = append(hashes, hex.EncodeToString(h))
	}
	logID, root := hex.EncodeToString(tle.GetLogId().GetKeyId()), hex.EncodeToString(tle.GetInclusionProof().GetRootHash())
	index, size, checkpoint := tle.GetInclusionProof().GetLogIndex(), tle.GetInclusionProof().GetTreeSize(), tle.GetInclusionProof().GetCheckpoint().GetEnvelope()
	integrated, logIndex, body := tle.GetIntegratedTime(), tle.GetLogIndex(), base64.StdEncoding.EncodeToString(tle.GetCanonicalizedBody())
	// The signed entry timestamp, the log's promise to include the entry.
	set, err := f.vs.RekorSignPayload(tlog.RekorPayload{Body: body, IntegratedTime: integrated, LogIndex: logIndex, LogID: logID})
	if err != nil {
		return nil, err
	}
	anon := models.LogEntryAnon{
		Body: body, IntegratedTime: &integrated, LogID: &logID, LogIndex: &logIndex,
		Verification: &models.LogEntryAnonVerification{
			SignedEntryTimestamp: set,
			InclusionProof:       &models.InclusionProof{Checkpoint: &checkpoint, Hashes: hashes, LogIndex: &index, RootHash: &root, TreeSize: &size},
		},
	}
	return &entries.CreateLogEntryCreated{ETag: "e", Payload: models.LogEntry{"e": anon}}, nil
}

// unsignedJWT is an OIDC token as far as the signer reads it (Fulcio, not
// the signer, checks its signature).
func unsignedJWT(sub string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"sub":"`+sub+`","iss":"`+GitHubIssuer+`"}`)) + ".sig"
}

// Keyless signing as in GitHub Actions, against sigstore-go's in-process
// certificate authority and log: the OIDC token from the job's token
// endpoint, a certificate for the workflow identity, a log entry for each
// signature; verification holds the identity and issuer to what is
// expected.
func TestKeyless(t *testing.T) {
	t.Parallel()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	leaf, leafKey, err := vs.GenerateLeafCert(workflowIdentity, GitHubIssuer)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := sign.NewKey(leafKey.(crypto.Signer))
	if err != nil {
		t.Fatal(err)
	}
	token := unsignedJWT(workflowIdentity)
	// GitHub's token endpoint, on 127.0.0.1.
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("audience") != "sigstore" || r.Header.Get("Authorization") != "Bearer job-token" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"value": token})
	}))
	defer tokens.Close()
	fulcio := &fakeFulcio{token: token, leaf: leaf}
	signer, err := sign.New(t.Context(), sign.Config{TokenURL: tokens.URL + "/token?api-version=2.0", TokenBearer: "job-token"},
		sign.WithFulcio("https://fulcio.test", fulcio), sign.WithRekor("https://rekor.test", &fakeRekor{vs, leaf}), sign.WithKeypair(kp))
	if err != nil {
		t.Fatal(err)
	}
	if signer.How != "keyless" {
		t.Fatalf("sign.New(token endpoint) signs %q, want keyless", signer.How)
	}
	idx := testIndex(t, commit)
	img := push(t, memTarget(t, false), idx, append(sboms(t, idx), signed(t, signer, idx, provenanceOf(t, idx, commit)).Artifacts...)...)
	if want := 2 + len(platforms); fulcio.calls != want {
		t.Errorf("Fulcio was asked %d times, want %d (the signature, the provenance and each SBOM)", fulcio.calls, want)
	}
	tests := []struct {
		name     string
		identity string
		issuer   string
		want     string
	}{
		{"the workflow", workflowIdentity, GitHubIssuer, ""},
		{"another workflow", strings.Replace(workflowIdentity, "ci.yml", "evil.yml", 1), GitHubIssuer, "no valid signature"},
		{"another issuer", workflowIdentity, "https://accounts.example.com", "no valid signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fails := Check(img, Policy{Identity: tt.identity, Issuer: tt.issuer, Trusted: vs})
			if got := strings.Join(fails, "\n"); tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("Check(keyless, %s) = %q, want %q", tt.name, fails, tt.want)
			}
		})
	}
}
