//go:build ignore

// ci-registry runs a real registry for .ci/run, and checks what was pushed
// to it.
//
//	go run scripts/ci-registry.go serve DIR
//	    starts CNCF Distribution (Debian's docker-registry) on 127.0.0.1
//	    with TLS and htpasswd auth for REGISTRY_USERNAME and
//	    REGISTRY_PASSWORD; prints "ADDRESS CA-FILE" and serves until its
//	    standard input closes.
//	go run scripts/ci-registry.go check REPOSITORY
//	    reads every tag of REPOSITORY back (SSL_CERT_FILE trusts the CA) and
//	    checks that each names the index in dist/oci.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/crypto/bcrypt"

	"github.com/lehus1/devops-info-service-go/internal/image"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("ci-registry: ")
	if len(os.Args) != 3 {
		log.Fatal("usage: ci-registry serve DIR | check REPOSITORY")
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2])
	case "check":
		check(os.Args[2])
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}

func serve(dir string) {
	user, pass := os.Getenv("REGISTRY_USERNAME"), os.Getenv("REGISTRY_PASSWORD")
	if user == "" || pass == "" {
		log.Fatal("set REGISTRY_USERNAME and REGISTRY_PASSWORD")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cert, key := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "key.pem")
	if err := writeCert(cert, key); err != nil {
		log.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.DefaultCost)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		log.Fatal(err)
	}
	config := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n"+
		"auth:\n  htpasswd:\n    realm: ci\n    path: %s/htpasswd\nhttp:\n  addr: %s\n  tls:\n    certificate: %s\n    key: %s\n",
		dir, dir, addr, cert, key)
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(config), 0o600); err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command("docker-registry", "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatalf("starting docker-registry (apt-get install docker-registry): %v", err)
	}
	defer cmd.Process.Kill()
	for i := 0; ; i++ {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		if i == 100 {
			log.Fatalf("docker-registry did not come up on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Println(addr, cert)
	io.Copy(io.Discard, os.Stdin)
}

func writeCert(certFile, keyFile string) error {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	return os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
}

func check(repository string) {
	repo, err := name.NewRepository(repository)
	if err != nil {
		log.Fatal(err)
	}
	_, desc, err := image.Read(filepath.Join("dist", "oci"))
	if err != nil {
		log.Fatal(err)
	}
	auth := authn.FromConfig(authn.AuthConfig{Username: os.Getenv("REGISTRY_USERNAME"), Password: os.Getenv("REGISTRY_PASSWORD")})
	opts := []remote.Option{remote.WithAuth(auth), remote.WithTransport(http.DefaultTransport)}
	tags, err := remote.List(repo, opts...)
	if err != nil {
		log.Fatalf("listing the tags of %s: %v", repo, err)
	}
	if len(tags) == 0 {
		log.Fatalf("%s has no tags", repo)
	}
	for _, t := range tags {
		d, err := remote.Head(repo.Tag(t), opts...)
		if err != nil {
			log.Fatalf("reading %s back: %v", repo.Tag(t), err)
		}
		if d.Digest != desc.Digest {
			log.Fatalf("%s names %s, dist/oci holds %s", repo.Tag(t), d.Digest, desc.Digest)
		}
		fmt.Printf("read back %s: %s\n", repo.Tag(t), d.Digest)
	}
}
