package version

import "testing"

func TestPublicURL(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"https://github.com/lehus1/devops-info-service-go.git", "https://github.com/lehus1/devops-info-service-go"},
		{"https://user:s3cret-token@github.com/lehus1/x.git", "https://github.com/lehus1/x"},
		{"git@github.com:lehus1/x.git", "https://github.com/lehus1/x"},
		{"ssh://git@gitlab.example.com:2222/group/x.git", "https://gitlab.example.com/group/x"},
		{"/work/main", ""},
		{"file:///work/main", ""},
		{"../other", ""},
	}
	for _, tt := range tests {
		if got := publicURL(tt.remote); got != tt.want {
			t.Errorf("publicURL(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

func TestSource(t *testing.T) {
	r := newRepo(t)
	if got := Source(t.Context(), r.dir); got != "" {
		t.Errorf("Source(no remote) = %q, want empty", got)
	}
	r.git("remote", "add", "origin", "https://tok:en@example.com/a/b.git")
	if got := Source(t.Context(), r.dir); got != "https://example.com/a/b" {
		t.Errorf("Source() = %q, want https://example.com/a/b", got)
	}
}
