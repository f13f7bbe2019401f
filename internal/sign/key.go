package sign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// The PEM types of an encrypted private key as `cosign generate-key-pair`
// writes it: the current name, and the one cosign 1.x wrote.
const (
	sigstoreKeyType = "ENCRYPTED SIGSTORE PRIVATE KEY"
	cosignKeyType   = "ENCRYPTED COSIGN PRIVATE KEY"
)

// ErrPassword is a COSIGN_PASSWORD that does not open the key.
var ErrPassword = errors.New("COSIGN_PASSWORD does not decrypt COSIGN_PRIVATE_KEY")

// ErrNoPassword is an unset COSIGN_PASSWORD for a key that needs one.
var ErrNoPassword = errors.New("COSIGN_PASSWORD is not set: set it to the password COSIGN_PRIVATE_KEY was made with")

// Key is a private key that signs, the Keypair sigstore-go signs with.
type Key struct {
	priv crypto.Signer
	alg  signature.AlgorithmDetails
	hint []byte
}

// LoadKey decrypts a private key in the format `cosign generate-key-pair`
// writes (PKCS #8, encrypted with scrypt and NaCl secretbox under
// password).
func LoadKey(pemBytes, password []byte) (*Key, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || (block.Type != sigstoreKeyType && block.Type != cosignKeyType) {
		return nil, fmt.Errorf("COSIGN_PRIVATE_KEY is not a cosign private key (a PEM block %q, as `cosign generate-key-pair` writes)", sigstoreKeyType)
	}
	der, err := encrypted.Decrypt(block.Bytes, password)
	if err != nil && len(password) == 0 { // cosign allows an empty password: try it first
		return nil, ErrNoPassword
	}
	if err != nil {
		return nil, ErrPassword
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("reading COSIGN_PRIVATE_KEY: %w", err)
	}
	priv, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("reading COSIGN_PRIVATE_KEY: a %T cannot sign", k)
	}
	return NewKey(priv)
}

// NewKey is priv as a Key.
func NewKey(priv crypto.Signer) (*Key, error) {
	details, err := signature.GetDefaultPublicKeyDetails(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	alg, err := signature.GetAlgorithmDetails(details)
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	return &Key{priv: priv, alg: alg, hint: []byte(base64.StdEncoding.EncodeToString(sum[:]))}, nil
}

// GenerateKeyPair makes an ECDSA P-256 key pair as `cosign
// generate-key-pair` does: the private key encrypted under password, and
// the public key, both PEM.
func GenerateKeyPair(password []byte) (private, public []byte, err error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	enc, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, nil, err
	}
	public, err = cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: sigstoreKeyType, Bytes: enc}), public, nil
}

// LoadPublicKey reads a PEM public key, such as cosign.pub.
func LoadPublicKey(pemBytes []byte) (crypto.PublicKey, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("reading the public key (a PEM \"PUBLIC KEY\", such as cosign.pub): %w", err)
	}
	return pub, nil
}

// GetHashAlgorithm is the hash the key signs.
func (k *Key) GetHashAlgorithm() protocommon.HashAlgorithm { return k.alg.GetProtoHashType() }

// GetSigningAlgorithm is the key's signing algorithm.
func (k *Key) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.alg.GetSignatureAlgorithm()
}

// GetHint is the SHA-256 of the public key, which a bundle names it by.
func (k *Key) GetHint() []byte { return k.hint }

// GetKeyAlgorithm is the key's family, as Fulcio names it.
func (k *Key) GetKeyAlgorithm() string {
	switch k.alg.GetKeyType() {
	case signature.ECDSA:
		return "ECDSA"
	case signature.RSA:
		return "RSA"
	case signature.ED25519:
		return "ED25519"
	}
	return ""
}

// GetPublicKey is the public half.
func (k *Key) GetPublicKey() crypto.PublicKey { return k.priv.Public() }

// GetPublicKeyPem is the public half, PEM encoded.
func (k *Key) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.priv.Public())
	return string(b), err
}

// SignData signs data, hashing it first unless the key is pure Ed25519,
// and returns the signature and what was signed.
func (k *Key) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	hf := k.alg.GetHashType()
	digest := data
	if hf != crypto.Hash(0) {
		h := hf.New()
		h.Write(data)
		digest = h.Sum(nil)
	}
	sig, err := k.priv.Sign(rand.Reader, digest, hf)
	if err != nil {
		return nil, nil, fmt.Errorf("signing: %w", err)
	}
	return sig, digest, nil
}
