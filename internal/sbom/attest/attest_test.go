package attest

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/provenance"
)

// The attestation's predicate is the SBOM: Signed holds for that document
// however it is laid out, and for no other.
func TestStatementAndSigned(t *testing.T) {
	d := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	doc := []byte(`{"spdxVersion":"SPDX-2.3","name":"svc","packages":[{"name":"stdlib","versionInfo":"1.26.8"}]}`)
	data, err := Statement("linux/amd64", d, doc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := provenance.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if st.GetPredicateType() != PredicateType || !provenance.HasSubject(st, d.String()) || st.GetSubject()[0].GetName() != "linux/amd64" {
		t.Errorf("Statement() = %s, want an SPDX predicate about linux/amd64 %s", data, d)
	}
	tests := []struct {
		name string
		doc  string
		want bool
	}{
		{"the same", string(doc), true},
		{"laid out otherwise", "{\n  \"name\": \"svc\", \"packages\": [{\"versionInfo\": \"1.26.8\", \"name\": \"stdlib\"}], \"spdxVersion\": \"SPDX-2.3\"}", true},
		{"forged", `{"name":"NOT THE REAL SBOM","packages":[]}`, false},
		{"a package less", `{"spdxVersion":"SPDX-2.3","name":"svc","packages":[]}`, false},
		{"not JSON", `spdx`, false},
	}
	for _, tt := range tests {
		if got := Signed(st, []byte(tt.doc)); got != tt.want {
			t.Errorf("Signed(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := Statement("linux/amd64", d, []byte("not json")); err == nil {
		t.Errorf("Statement(not JSON) = nil error")
	}
}
