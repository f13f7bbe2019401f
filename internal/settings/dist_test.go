package settings

import (
	"path/filepath"
	"testing"
)

func TestDist(t *testing.T) {
	d := DistIn("co")
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"Root", d.Root(), "co/dist"},
		{"Binaries", d.Binaries(), "co/dist/bin"},
		{"Layout", d.Layout(), "co/dist/oci"},
		{"Tarball", d.Tarball(), "co/dist/image.tar"},
		{"SBOMs", d.SBOMs(), "co/dist/sbom"},
		{"Provenance", d.Provenance(), "co/dist/provenance"},
		{"Coverage", d.Coverage(), "co/dist/coverage.out"},
		{"TestBinaries", d.TestBinaries(), "co/dist/test"},
	}
	for _, tt := range tests {
		if want := filepath.FromSlash(tt.want); tt.got != want {
			t.Errorf("DistIn(%q).%s() = %q, want %q", "co", tt.name, tt.got, want)
		}
	}
	s := Settings{Dir: "co"}
	if got, want := s.Outputs().Layout, d.Layout(); got != want {
		t.Errorf("Settings.Outputs().Layout = %q, want %q", got, want)
	}
	if got, want := s.SBOMDir(), d.SBOMs(); got != want {
		t.Errorf("Settings.SBOMDir() = %q, want %q", got, want)
	}
}
