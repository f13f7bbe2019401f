package testenv

import (
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// Configured is img with edit applied to a copy of its config file (the
// platform, the runtime config), the rest of the image kept: a base with labels a test can follow, or a
// platform of its own, or a service image that breaks the contract (runs as root, a missing
// entrypoint) for a check that must catch it.
func Configured(t testing.TB, img v1.Image, edit func(*v1.ConfigFile)) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatalf("reading the config of the image to change: %v", err)
	}
	cf = cf.DeepCopy()
	edit(cf)
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatalf("changing the image's config: %v", err)
	}
	return img
}
