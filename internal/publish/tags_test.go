package publish

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
)

// A bad tag among good ones stops the push before any request: before,
// good1 was set, -dash failed, good2 was never set.
func TestBadTagSendsNothing(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "no request was expected", http.StatusInternalServerError)
	}))
	defer srv.Close()
	repo, err := name.NewRepository(strings.TrimPrefix(srv.URL, "http://") + "/svc")
	if err != nil {
		t.Fatal(err)
	}
	for _, dry := range []bool{false, true} {
		var stdout, stderr strings.Builder
		img, err := ocilayout.Load(layoutFor(t))
		if err != nil {
			t.Fatal(err)
		}
		err = Run(t.Context(), img, Config{Repo: repo, Tags: "good1,-dash,good2,.dot", DryRun: dry}, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), `tags "-dash", ".dot" are not valid image tags`) {
			t.Errorf("Run(TAGS=good1,-dash,good2,.dot, dry run %v) = %v, want one line naming -dash and .dot", dry, err)
		}
		if n := requests.Load(); n != 0 || stdout.Len() != 0 {
			t.Errorf("Run(bad tag, dry run %v) sent %d requests, printed %q; want nothing", dry, n, stdout.String())
		}
	}
}

// push says when it leaves latest alone, and why.
func TestKeepsLatest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ver, override, want string
	}{
		{"1.2.3", "", ""},
		{"1.2.4-dev.3.gabcdef1", "", "1.2.4-dev.3.gabcdef1 is not a release; only a release tag vX.Y.Z moves latest"},
		{"1.2.3", "1.2.3,stable", "TAGS does not name it"},
		{"1.2.3", "latest", ""},
	}
	for _, tt := range tests {
		tags, err := Tags(tt.ver, "abcdef1234", tt.override)
		if err != nil {
			t.Fatal(err)
		}
		got := KeepsLatest("example.com/svc", tt.ver, tags, tt.override)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) || tt.want != "" && !strings.HasPrefix(got, "leaving example.com/svc:latest as it is: ") {
			t.Errorf("KeepsLatest(%s, TAGS=%q) = %q, want %q", tt.ver, tt.override, got, tt.want)
		}
	}
}
