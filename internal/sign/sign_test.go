package sign

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lehus1/devops-info-service-go/internal/provenance"
	"github.com/lehus1/devops-info-service-go/internal/sign/signtest"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

const password = "correct horse"

// A key of GenerateKeyPair loads with its password, and only with it;
// what is not a private key is refused. The error cases take a
// signtest key, half the scrypt work of GenerateKeyPair's.
func TestLoadKey(t *testing.T) {
	t.Parallel()
	priv, pub, err := GenerateKeyPair([]byte(password))
	if err != nil {
		t.Fatal(err)
	}
	light, lightPub := signtest.KeyPair()
	tests := []struct {
		name     string
		pem      []byte
		password string
		want     string // "" for success
		pub      []byte // the key's public half, on success
	}{
		{"the key", priv, password, "", pub},
		{"an older cosign's key (scrypt N=2^15)", light, signtest.Password, "", lightPub},
		{"a wrong password", light, "battery staple", "COSIGN_PASSWORD does not decrypt COSIGN_PRIVATE_KEY", nil},
		{"no password", light, "", "COSIGN_PASSWORD is not set", nil},
		{"a public key", pub, password, "COSIGN_PRIVATE_KEY is not a cosign private key", nil},
		{"a path, not a key", []byte("/no/such/cosign.key"), password, "COSIGN_PRIVATE_KEY is not a cosign private key", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := LoadKey(tt.pem, []byte(tt.password))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("LoadKey() = %v, want a key", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("LoadKey() = %v, want %q", err, tt.want)
			case err != nil && tt.password != "" && strings.Contains(err.Error(), tt.password):
				t.Errorf("LoadKey() error %q shows the password", err)
			case err == nil:
				got, _ := k.GetPublicKeyPem()
				if got != string(tt.pub) {
					t.Errorf("LoadKey().GetPublicKeyPem() = %q, want %q", got, tt.pub)
				}
			}
		})
	}
	// cosign makes keys with an empty password too: those need none.
	open, _ := signtest.WithPassword("")
	if _, err := LoadKey(open, nil); err != nil {
		t.Errorf("LoadKey(a key made with an empty password, no password) = %v, want the key", err)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	priv, _ := signtest.KeyPair()
	const password = signtest.Password
	denied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }))
	t.Cleanup(denied.Close)
	tests := []struct {
		name    string
		cfg     Config
		want    string // how it signs; "" for unsigned
		wantErr string
	}{
		{"a key", Config{PrivateKey: priv, Password: []byte(password)}, "key", ""},
		{"a key, required", Config{PrivateKey: priv, Password: []byte(password), Required: true}, "key", ""},
		{"a key with a wrong password", Config{PrivateKey: priv, Password: []byte("x")}, "", "COSIGN_PASSWORD does not decrypt"},
		{"nothing", Config{}, "", ""},
		{"nothing, required", Config{Required: true}, "", "SIGN=required, but there is nothing to sign with"},
		{"a token endpoint that says no", Config{TokenURL: denied.URL, TokenBearer: "b"}, "", "id-token: write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := New(t.Context(), tt.cfg)
			if !testenv.WantErr(t, "New()", err, tt.wantErr) {
				return
			}
			if got := ""; s != nil {
				got = s.How
				if got != tt.want {
					t.Errorf("New().How = %q, want %q", got, tt.want)
				}
			} else if tt.want != "" {
				t.Errorf("New() = nil, want a %s signer", tt.want)
			}
		})
	}
	if !errors.Is(func() error { _, err := New(t.Context(), Config{Required: true}); return err }(), ErrNoSigner) {
		t.Error("New(required, nothing) is not ErrNoSigner")
	}
}

// Image attaches the signature and each statement to the index and every
// platform image, with the annotations cosign writes.
func TestImage(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range []string{"amd64", "arm64"} {
		img, _ := random.Image(256, 1)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	d, _ := idx.Digest()
	prov := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"index","digest":{"sha256":"` + d.Hex + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`)
	st, err := provenance.Parse(prov)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Image(t.Context(), WithKey(k), idx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Bundles) != 2 || s.Bundles[0].Name != "signature.sigstore.json" || s.Bundles[1].Name != "provenance.sigstore.json" {
		t.Fatalf("Image().Bundles = %d (%v), want the signature and the provenance", len(s.Bundles), s.Bundles)
	}
	subjects := map[string]int{}
	for _, a := range s.Artifacts {
		var m struct {
			ArtifactType string            `json:"artifactType"`
			Annotations  map[string]string `json:"annotations"`
			Subject      v1.Descriptor     `json:"subject"`
		}
		if err := json.Unmarshal(a.Manifest, &m); err != nil {
			t.Fatal(err)
		}
		if m.ArtifactType != BundleMediaType || m.Annotations["dev.sigstore.bundle.predicateType"] == "" {
			t.Errorf("artifact %s = %s %v, want a Sigstore bundle with its predicate type", a.Descriptor.Digest, m.ArtifactType, m.Annotations)
		}
		subjects[m.Subject.Digest.String()]++
	}
	if len(subjects) != 3 || subjects[d.String()] != 2 {
		t.Errorf("Image() attaches to %v, want both bundles on the index and on each of 2 platform images", subjects)
	}
}

// testKey is a key to sign with where how a key is loaded is not what is
// tested: LoadKey's scrypt is seconds in a -race binary.
func testKey(t *testing.T) *Key {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
