// Package signtest makes cosign key pairs for tests, cheaply. Decrypting
// a cosign key is scrypt, on purpose slow, and slower still in a -race
// test binary (about 5 s for a key of `cosign generate-key-pair` v3):
// tests that only need some key to sign or to load use these, made once
// per test binary with the lighter scrypt parameters of older cosign
// releases' keys (N=2^15, securesystemslib's "Legacy"; sign.LoadKey reads
// them as cosign does), half the work of a key of cosign v3 or
// sign.GenerateKeyPair (N=2^16). The sign package's own tests still load
// a key of sign.GenerateKeyPair and one of the cosign CLI.
package signtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// Password is the password of KeyPair's private key.
const Password = "test-password"

var (
	mu   sync.Mutex
	made = map[string][2][]byte{}
)

// KeyPair is an ECDSA P-256 cosign key pair: the private key encrypted
// under Password, and the public key, both PEM. Every call in a test
// binary returns the same pair.
func KeyPair() (private, public []byte) { return WithPassword(Password) }

// WithPassword is a cosign key pair as KeyPair's, its private key
// encrypted under password (which may be empty, as cosign allows); one
// per password and test binary.
func WithPassword(password string) (private, public []byte) {
	mu.Lock()
	defer mu.Unlock()
	if p, ok := made[password]; ok {
		return p[0], p[1]
	}
	p := generate([]byte(password))
	made[password] = p
	return p[0], p[1]
}

// generate panics where a test key cannot be made: the machine cannot
// give random bytes.
func generate(password []byte) [2][]byte {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("making a test key pair: %v", err))
	}
	der, err1 := x509.MarshalPKCS8PrivateKey(k)
	box, err2 := encrypted.EncryptWithCustomKDFParameters(der, password, encrypted.Legacy)
	pub, err3 := cryptoutils.MarshalPublicKeyToPEM(k.Public())
	if err := errors.Join(err1, err2, err3); err != nil {
		panic(fmt.Sprintf("making a test key pair: %v", err))
	}
	return [2][]byte{pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: box}), pub}
}
