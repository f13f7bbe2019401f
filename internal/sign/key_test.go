package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// A key signs what it says it signs, with the algorithm it names.
func TestKeySigns(t *testing.T) {
	t.Parallel()
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	data := []byte("payload")
	tests := []struct {
		name   string
		priv   crypto.Signer
		family string
		alg    protocommon.PublicKeyDetails
		verify func(sig []byte) bool
	}{
		{"ECDSA P-256", p256, "ECDSA", protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256, func(sig []byte) bool {
			sum := sha256.Sum256(data)
			return ecdsa.VerifyASN1(&p256.PublicKey, sum[:], sig)
		}},
		{"ECDSA P-384", p384, "ECDSA", protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_384, func(sig []byte) bool {
			sum := sha512.Sum384(data)
			return ecdsa.VerifyASN1(&p384.PublicKey, sum[:], sig)
		}},
		{"Ed25519", ed, "ED25519", protocommon.PublicKeyDetails_PKIX_ED25519, func(sig []byte) bool {
			return ed25519.Verify(ed.Public().(ed25519.PublicKey), data, sig)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey(tt.priv)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.GetKeyAlgorithm(); got != tt.family {
				t.Errorf("GetKeyAlgorithm() = %q, want %q", got, tt.family)
			}
			if got := k.GetSigningAlgorithm(); got != tt.alg {
				t.Errorf("GetSigningAlgorithm() = %v, want %v", got, tt.alg)
			}
			if pub, ok := k.GetPublicKey().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(tt.priv.Public()) {
				t.Errorf("GetPublicKey() = %v, want the key's public half", k.GetPublicKey())
			}
			sig, _, err := k.SignData(t.Context(), data)
			if err != nil || !tt.verify(sig) {
				t.Errorf("SignData() = %x, %v; want a signature that verifies", sig, err)
			}
			pemText, err := k.GetPublicKeyPem()
			if err != nil {
				t.Fatal(err)
			}
			if pub, err := LoadPublicKey([]byte(pemText)); err != nil || !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(tt.priv.Public()) {
				t.Errorf("LoadPublicKey(GetPublicKeyPem()) = %v, %v, want the public key", pub, err)
			}
		})
	}
	if _, err := LoadPublicKey([]byte("not a key")); err == nil || !strings.Contains(err.Error(), "cosign.pub") {
		t.Errorf("LoadPublicKey(junk) = %v, want an error that says what a public key looks like", err)
	}
}

// A key pair from `cosign generate-key-pair` loads, and is the pair
// cosign.pub names.
func TestLoadCosignKey(t *testing.T) {
	t.Parallel()
	bin := testenv.MustHaveExec(t, "cosign", testenv.InstallCosign)
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), bin, "generate-key-pair")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD="+password, "HOME="+dir, "HTTPS_PROXY=http://127.0.0.1:9")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	priv, _ := os.ReadFile(filepath.Join(dir, "cosign.key"))
	pub, _ := os.ReadFile(filepath.Join(dir, "cosign.pub"))
	k, err := LoadKey(priv, []byte(password))
	if err != nil {
		t.Fatalf("LoadKey(cosign.key) = %v", err)
	}
	if got, _ := k.GetPublicKeyPem(); got != string(pub) {
		t.Errorf("LoadKey(cosign.key) has public key %q, want cosign.pub's %q", got, pub)
	}
	if _, err := LoadKey(priv, []byte("wrong")); !errors.Is(err, ErrPassword) {
		t.Errorf("LoadKey(cosign.key, wrong password) = %v, want ErrPassword", err)
	}
}
