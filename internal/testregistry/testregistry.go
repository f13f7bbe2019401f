// Package testregistry gives tests a real registry to push to and pull
// from: CNCF Distribution (on Debian, the docker-registry package) on
// 127.0.0.1 with TLS and htpasswd auth, started in a test's own folder and
// stopped by Close. The push and client tests use it, and so does .ci/run
// (through scripts/ci/ci-registry.go).
package testregistry

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Binary is the server's command, as Debian installs it.
const Binary = "docker-registry"

// Server is a running registry.
type Server struct {
	// Addr is host:port on 127.0.0.1.
	Addr string
	// CAFile is the PEM certificate a client must trust to reach it.
	CAFile string
	cmd    *exec.Cmd
	exited chan error
}

// Start starts a registry keeping its data, certificate and password file
// in dir, accepting user with password. The caller must Close it.
func Start(dir, user, password string) (*Server, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, fmt.Errorf("%s is not installed (on Debian: apt-get install docker-registry)", Binary)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), CAFile: filepath.Join(dir, "ca.pem")}
	ln.Close()
	key := filepath.Join(dir, "key.pem")
	if err := writeCert(s.CAFile, key); err != nil {
		return nil, fmt.Errorf("making the registry's certificate: %w", err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		return nil, err
	}
	config := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"+
		"storage:\n  filesystem:\n    rootdirectory: %s/data\n"+
		"auth:\n  htpasswd:\n    realm: test\n    path: %s/htpasswd\n"+
		"http:\n  addr: %s\n  tls:\n    certificate: %s\n    key: %s\n", dir, dir, s.Addr, s.CAFile, key)
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	// Its log goes to a file: even at level error it logs every 404 that a
	// client's existence check gets, which is no news.
	logFile, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	s.cmd = exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", Binary, err)
	}
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.cmd.Wait() }()
	for range 200 {
		if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
			c.Close()
			return s, nil
		}
		select {
		case err := <-s.exited:
			s.exited <- err
			log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			return nil, fmt.Errorf("%s exited before serving on %s: %v: %s", Binary, s.Addr, err, strings.TrimSpace(string(log)))
		case <-time.After(25 * time.Millisecond):
		}
	}
	s.Close()
	return nil, fmt.Errorf("%s did not come up on %s", Binary, s.Addr)
}

// Close stops the server and waits for it.
func (s *Server) Close() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.exited <- nil // a second Close returns at once
	return nil
}

// writeCert makes a self-signed certificate for 127.0.0.1 that is its own CA.
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
