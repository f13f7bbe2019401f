package provenance

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"a statement", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + strings.Repeat("a", 64) + `"}}],"predicateType":"p","predicate":{}}`, ""},
		{"not JSON", `{`, "reading the statement"},
		{"no subject", `{"_type":"https://in-toto.io/Statement/v1","predicateType":"p","predicate":{}}`, "reading the statement"},
		{"a short digest", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"abc"}}],"predicateType":"p"}`, "reading the statement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if (tt.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%s) = %v, want %q", tt.name, err, tt.want)
			}
		})
	}
}

// An image without a Go binary on top has no provenance to give.
func TestMakeNeedsAGoBinary(t *testing.T) {
	t.Parallel()
	img, _ := random.Image(256, 1)
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	if _, err := Make(idx, Builder{ID: "urn:test"}); err == nil || !strings.Contains(err.Error(), "reading the Go build information of linux/amd64") {
		t.Errorf("Make(no Go binary) = %v, want it to say so", err)
	}
}

func TestGitURI(t *testing.T) {
	t.Parallel()
	tests := []struct{ source, ref, want string }{
		{"https://github.com/o/r", "refs/tags/v1.2.3", "git+https://github.com/o/r@refs/tags/v1.2.3"},
		{"https://github.com/o/r", "", "git+https://github.com/o/r"},
		{"", "refs/heads/main", ""},
	}
	for _, tt := range tests {
		if got := gitURI(tt.source, tt.ref); got != tt.want {
			t.Errorf("gitURI(%q, %q) = %q, want %q", tt.source, tt.ref, got, tt.want)
		}
	}
}

func TestDirHash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sum, want string
		ok        bool
	}{
		{"h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true},
		{"", "", false},
		{"h2:abc", "", false},
		{"h1:not base64!", "", false},
	}
	for _, tt := range tests {
		if got, ok := dirHash(tt.sum); got != tt.want || ok != tt.ok {
			t.Errorf("dirHash(%q) = %q, %v, want %q, %v", tt.sum, got, ok, tt.want, tt.ok)
		}
	}
}
