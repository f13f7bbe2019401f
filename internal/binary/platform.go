package binary

import (
	"fmt"
	"slices"
	"strings"
)

// Platform is a target for the Go compiler, such as linux/arm64.
type Platform struct {
	OS, Arch string
}

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Dir is the platform's folder name under the output, such as linux_arm64.
func (p Platform) Dir() string { return p.OS + "_" + p.Arch }

// DefaultPlatforms are the platforms built when none are asked for.
var DefaultPlatforms = []Platform{{"linux", "amd64"}, {"linux", "arm64"}}

// Supported are the platforms a Linux container image of the service can
// run on; linux/arm means ARMv7.
var Supported = []Platform{
	{"linux", "amd64"}, {"linux", "arm64"}, {"linux", "arm"}, {"linux", "386"},
	{"linux", "ppc64le"}, {"linux", "s390x"}, {"linux", "riscv64"},
}

// ParsePlatforms reads a comma-separated list such as
// "linux/amd64,linux/arm64". Duplicates are dropped; order is kept.
func ParsePlatforms(s string) ([]Platform, error) {
	var out []Platform
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		os, arch, _ := strings.Cut(f, "/")
		p := Platform{os, arch}
		if !slices.Contains(Supported, p) {
			var names []string
			for _, s := range Supported {
				names = append(names, s.String())
			}
			return nil, fmt.Errorf("platform %q is not one of %s (PLATFORMS takes a comma-separated list such as linux/amd64,linux/arm64)", f, strings.Join(names, ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}
