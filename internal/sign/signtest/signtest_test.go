package signtest

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"testing"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// KeyPair is made once, as a cosign private key with the lighter scrypt
// parameters and a public key. That it loads with Password, and is
// that public key's, sign's TestLoadKey shows with sign.LoadKey, which
// this package must not import.
func TestKeyPair(t *testing.T) {
	priv, pub := KeyPair()
	if again, _ := KeyPair(); !bytes.Equal(again, priv) {
		t.Error("KeyPair() made a second pair, want the first again")
	}
	block, _ := pem.Decode(priv)
	if block == nil || block.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" {
		t.Fatalf("KeyPair() private key = %.40q, want a PEM ENCRYPTED SIGSTORE PRIVATE KEY", priv)
	}
	var box struct {
		KDF struct {
			Name   string
			Params struct{ N, R, P int }
		}
	}
	if err := json.Unmarshal(block.Bytes, &box); err != nil || box.KDF.Name != "scrypt" || box.KDF.Params != (struct{ N, R, P int }{1 << 15, 8, 1}) {
		t.Errorf("KeyPair() key derivation = %+v, %v; want scrypt, N=32768, r=8, p=1", box.KDF, err)
	}
	if _, err := cryptoutils.UnmarshalPEMToPublicKey(pub); err != nil {
		t.Errorf("KeyPair() public key: %v", err)
	}
}
