package testregistry

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	s := New(t, "u", "secret-pw")
	pem, _ := os.ReadFile(s.CAFile)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", s.CAFile)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	tests := []struct {
		user, pass string
		want       int
	}{
		{"", "", http.StatusUnauthorized},
		{"u", "wrong", http.StatusUnauthorized},
		{"u", "secret-pw", http.StatusOK},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", "https://"+s.Addr+"/v2/", nil)
		if tt.user != "" {
			req.SetBasicAuth(tt.user, tt.pass)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("GET /v2/ as %q/%q = %d, want %d", tt.user, tt.pass, res.StatusCode, tt.want)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Get("https://" + s.Addr + "/v2/"); err == nil {
		t.Errorf("the registry still answers after Close")
	}
}

func TestStartWithoutBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := Start(t.TempDir(), "u", "p"); err == nil {
		t.Errorf("Start() without %s = nil error", Binary)
	}
}

func TestStartFailure(t *testing.T) {
	// The broken server is a Go program, so that every OS can run it (a
	// shell script is no program on Windows, where the real server would
	// be found instead); its folder goes first on PATH.
	bin := t.TempDir()
	fake := filepath.Join(bin, "broken.go")
	os.WriteFile(fake, []byte("package main\n\nimport \"os\"\n\nfunc main() {\n\tos.Stderr.WriteString(\"broken\\n\")\n\tos.Exit(3)\n}\n"), 0o644)
	build := exec.Command("go", "build", "-o", filepath.Join(bin, Binary+exe()), fake)
	build.Dir, build.Env = bin, append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the broken server: %v\n%s", err, out)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if _, err := Start(t.TempDir(), "u", "p"); err == nil || !strings.Contains(err.Error(), "exited before serving") || !strings.Contains(err.Error(), "broken") {
		t.Errorf("Start(broken server) = %v, want an exit error with its log", err)
	}
	notADir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notADir, nil, 0o644)
	if _, err := Start(notADir, "u", "p"); err == nil || !strings.Contains(err.Error(), "making the registry's certificate") {
		t.Errorf("Start(no folder to write in) = %v, want a certificate error", err)
	}
	var zero Server
	if err := zero.Close(); err != nil {
		t.Errorf("Close() of a server never started = %v", err)
	}
}

// exe is the suffix of a program's file name on this OS.
func exe() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}
