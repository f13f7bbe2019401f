package publish

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/mod/semver"
)

// Tags are the tags a version gets: a release X.Y.Z is also X.Y, X and
// latest; a pre-release is itself and sha-<short commit>, and never latest,
// so nobody pulls a development build by accident. override (TAGS, comma
// separated) replaces the list.
func Tags(version, commit, override string) ([]string, error) {
	var tags []string
	switch {
	case override != "":
		for _, t := range strings.Split(override, ",") {
			tags = append(tags, strings.TrimSpace(t))
		}
	case semver.IsValid("v"+version) && semver.Prerelease("v"+version) == "" && semver.Canonical("v"+version) == "v"+version:
		v := "v" + version
		tags = []string{version, strings.TrimPrefix(semver.MajorMinor(v), "v"), strings.TrimPrefix(semver.Major(v), "v"), "latest"}
	default:
		tags = []string{version}
		if len(commit) >= 7 && commit != "unknown" {
			tags = append(tags, "sha-"+commit[:7])
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		if _, err := name.NewTag("example.com/x:" + t); err != nil || t == "" {
			return nil, fmt.Errorf("tag %q is not a valid image tag (TAGS takes a comma-separated list such as 1.2.3,stable)", t)
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}
