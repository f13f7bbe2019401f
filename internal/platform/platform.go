// Package platform names the platforms the pipeline builds for as
// go-containerregistry's v1.Platform, the one form they have from the
// environment to the image index, and finds a platform's image in an
// index. A platform carries the variant a runtime expects: arm64 is v8,
// arm is v7.
package platform

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
)

// Default are the platforms built when none are asked for.
var Default = []v1.Platform{linux("amd64"), linux("arm64")}

// Supported are the platforms a Linux container image of the service can
// run on; linux/arm means ARMv7.
var Supported = []v1.Platform{
	linux("amd64"), linux("arm64"), linux("arm"), linux("386"),
	linux("ppc64le"), linux("s390x"), linux("riscv64"),
}

func linux(arch string) v1.Platform { return withVariant(v1.Platform{OS: "linux", Architecture: arch}) }

// withVariant is p with the variant a runtime expects of its architecture
// when p names none.
func withVariant(p v1.Platform) v1.Platform {
	if p.Variant == "" {
		switch p.Architecture {
		case "arm64":
			p.Variant = "v8"
		case "arm":
			p.Variant = "v7"
		}
	}
	return p
}

// Local is the platform of the image this machine runs: Linux on this
// machine's architecture, whatever the OS. runc needs Linux, and Docker
// Desktop and Podman on macOS and Windows run Linux images in a Linux VM
// of the host's architecture, so an Apple-silicon Mac runs linux/arm64,
// never darwin/arm64.
func Local() v1.Platform { return linux(runtime.GOARCH) }

// ParseList reads a comma-separated list of Supported platforms such as
// "linux/amd64,linux/arm64"; variable names the setting, for the message.
// Duplicates are dropped; order is kept.
func ParseList(s, variable string) ([]v1.Platform, error) {
	var out []v1.Platform
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		p, err := v1.ParsePlatform(f)
		if err == nil {
			*p = withVariant(*p)
		}
		if err != nil || f == "" || !slices.ContainsFunc(Supported, p.Equals) {
			var names []string
			for _, s := range Supported {
				names = append(names, Name(s))
			}
			return nil, fmt.Errorf("platform %q is not one of %s (%s takes a comma-separated list such as linux/amd64,linux/arm64)", f, strings.Join(names, ", "), variable)
		}
		if !slices.ContainsFunc(out, p.Equals) {
			out = append(out, *p)
		}
	}
	return out, nil
}

// Name is p as os/arch, "linux/arm64", the way the build's log, the SBOMs
// and Go name it: the variant follows from the architecture.
func Name(p v1.Platform) string { return p.OS + "/" + p.Architecture }

// Label is p as docker shows it, os/arch[/variant]: the variant where it
// tells (linux/arm/v7), not arm64's v8, the only arm64 there is. It names
// a platform in sizecompare's report and in the figures it records.
func Label(p v1.Platform) string {
	if p.Variant == "" || p.Architecture == "arm64" && p.Variant == "v8" {
		return p.OS + "/" + p.Architecture
	}
	return p.OS + "/" + p.Architecture + "/" + p.Variant
}

// Dir is p's folder or file name, such as linux_arm64.
func Dir(p v1.Platform) string { return p.OS + "_" + p.Architecture }

// Matches says whether an index entry's platform serves want: the same OS
// and architecture, and the same variant where both name one (a base that
// lists arm64 without a variant serves linux/arm64/v8).
func Matches(want v1.Platform) func(v1.Descriptor) bool {
	return func(d v1.Descriptor) bool {
		if d.Platform == nil {
			return false
		}
		spec := v1.Platform{OS: want.OS, Architecture: want.Architecture}
		if d.Platform.Variant != "" {
			spec.Variant = want.Variant
		}
		return d.Platform.Satisfies(spec)
	}
}

// Image is want's image in idx, as Find finds it.
func Image(idx v1.ImageIndex, want v1.Platform) (v1.Image, error) {
	d, err := Find(idx, want)
	if err != nil {
		return nil, err
	}
	return idx.Image(d.Digest)
}

// Find is the descriptor of want's image in idx: the first entry that
// Matches. The error says which platforms idx has.
func Find(idx v1.ImageIndex, want v1.Platform) (v1.Descriptor, error) {
	found, err := partial.FindManifests(idx, Matches(want))
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("reading the image index: %w", err)
	}
	if len(found) > 0 {
		return found[0], nil
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("reading the image index: %w", err)
	}
	var have []string
	for _, d := range im.Manifests {
		if d.Platform != nil {
			have = append(have, d.Platform.String())
		}
	}
	return v1.Descriptor{}, fmt.Errorf("has no %s image (it has: %s)", want.String(), strings.Join(have, ", "))
}
