package binary

import (
	"debug/buildinfo"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// The build information, which `go version -m` and scanners read, names
// the module at the build's version.
func TestBuildRecordsModuleVersion(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	root := testenv.ModuleRoot(t)
	arm64 := v1.Platform{OS: "linux", Architecture: "arm64"}
	tests := []struct {
		version, want string
	}{
		{"1.2.3", "v1.2.3"},
		{"1.2.4-dev.5.g0123456789ab.dirty", "v1.2.4-dev.5.g0123456789ab.dirty"},
		// Go gives a module without a /v2 path no v2 versions.
		{"2.0.0", "(devel)"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			t.Parallel()
			info := testInfo
			info.Version = tt.version
			var got Artifact
			if info == testInfo { // the shared build is this one
				got = sharedFor(t, arm64)
			} else {
				built, err := Build(t.Context(), root, info, WithOutput(t.TempDir()), WithPlatforms(arm64))
				if err != nil {
					t.Fatal(err)
				}
				got = built[0]
			}
			bi, err := buildinfo.ReadFile(got.Path)
			if err != nil {
				t.Fatal(err)
			}
			if bi.Main.Path != "github.com/lehus1/devops-info-service-go" || bi.Main.Version != tt.want {
				t.Errorf("build info of VERSION=%s: main module %s %s, want github.com/lehus1/devops-info-service-go %s", tt.version, bi.Main.Path, bi.Main.Version, tt.want)
			}
			if bi.Path != "github.com/lehus1/devops-info-service-go/app" {
				t.Errorf("build info of VERSION=%s: package %s, want github.com/lehus1/devops-info-service-go/app", tt.version, bi.Path)
			}
		})
	}
}
