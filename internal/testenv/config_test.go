package testenv

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

func TestConfigured(t *testing.T) {
	img, err := mutate.Config(empty.Image, v1.Config{User: "65532:65532", Labels: map[string]string{"old": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"which": "new"}
	cf, err := Configured(t, img, func(cf *v1.ConfigFile) { cf.Config.Labels = want }).ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, cf.Config.Labels); diff != "" {
		t.Errorf("Configured(img, labels %v) labels mismatch (-want +got):\n%s", want, diff)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("Configured(img, labels) user = %q, want the image's 65532:65532 kept", cf.Config.User)
	}
	orig, _ := img.ConfigFile()
	if orig.Config.Labels["old"] != "x" {
		t.Errorf("Configured changed the image it was given: labels %v", orig.Config.Labels)
	}
}
