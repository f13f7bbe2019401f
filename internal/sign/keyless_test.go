package sign

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGitHubToken(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != "Bearer job":
			http.Error(w, "no", http.StatusForbidden)
		case r.URL.Query().Get("audience") != "sigstore" || r.URL.Query().Get("api-version") != "2.0":
			http.Error(w, "bad request", http.StatusBadRequest)
		case r.URL.Path == "/empty":
			w.Write([]byte(`{}`))
		default:
			w.Write([]byte(`{"value":"the.token.jwt"}`))
		}
	}))
	defer srv.Close()
	tests := []struct {
		name, url, bearer string
		want, wantErr     string
	}{
		{"a token", srv.URL + "/t?api-version=2.0", "job", "the.token.jwt", ""},
		{"refused", srv.URL + "/t?api-version=2.0", "other", "", "status 403 (does the job have `permissions: id-token: write`?)"},
		{"no token in the answer", srv.URL + "/empty?api-version=2.0", "job", "", "the answer has no token"},
		{"a bad URL", "://x", "job", "", "reading ACTIONS_ID_TOKEN_REQUEST_URL"},
		{"nobody there", "http://127.0.0.1:9/t", "job", "", "getting the workflow's OIDC token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GitHubToken(t.Context(), srv.Client(), tt.url, tt.bearer)
			if got != tt.want || (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("GitHubToken() = %q, %v, want %q, %q", got, err, tt.want, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), tt.bearer) {
				t.Errorf("GitHubToken() error %q shows the request token", err)
			}
		})
	}
}

// roundTripper answers every request with a status.
type roundTripper int

func (s roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: int(s), Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

// A keyless signer with a new key of its own signs nothing when Fulcio
// refuses the certificate, and says so.
func TestKeylessFulcioRefuses(t *testing.T) {
	t.Parallel()
	jwt := "e30." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"repo:o/r"}`)) + ".sig"
	s, err := Keyless(jwt, WithFulcio("https://fulcio.test", roundTripper(http.StatusUnauthorized)), WithRekor("https://rekor.test", nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(t.Context(), []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "signing (keyless): Fulcio returned 401") {
		t.Errorf("Sign() with Fulcio refusing = %v, want the refusal", err)
	}
}

// WriteFiles leaves the bundles and statements of this push, and none of an
// earlier one.
func TestWriteFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "provenance")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "attestation-3.sigstore.json"), []byte("old"), 0o644)
	s := Signed{Bundles: []Bundle{{Name: "signature.sigstore.json", Data: []byte(`{"b":1}`), Statement: []byte(`{"s":1}`)}}}
	if err := s.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got, want := strings.Join(names, " "), "signature.intoto.json signature.sigstore.json"; got != want {
		t.Errorf("WriteFiles() left %q, want %q", got, want)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "signature.sigstore.json")); string(data) != "{\"b\":1}\n" {
		t.Errorf("signature.sigstore.json = %q, want the bundle", data)
	}
}
