package publish

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/lehus1/devops-info-service-go/internal/version"
)

// Tags are the tags a version ver gets: a release X.Y.Z is also X.Y, X and
// latest; a pre-release is itself and sha-<short commit>, and never latest,
// so nobody pulls a development build by accident. override (TAGS, comma
// separated) replaces the list. Every tag is checked against the tag
// grammar here, before anything is sent: a bad one found mid-push would
// leave the tags before it set and those after it not.
func Tags(ver, commit, override string) ([]string, error) {
	var tags []string
	switch {
	case override != "":
		for _, t := range strings.Split(override, ",") {
			tags = append(tags, strings.TrimSpace(t))
		}
	case semver.IsValid("v"+ver) && semver.Prerelease("v"+ver) == "" && semver.Canonical("v"+ver) == "v"+ver:
		v := "v" + ver
		tags = []string{ver, strings.TrimPrefix(semver.MajorMinor(v), "v"), strings.TrimPrefix(semver.Major(v), "v"), "latest"}
	default:
		tags = []string{ver}
		if len(commit) >= 7 && commit != "unknown" {
			tags = append(tags, "sha-"+commit[:7])
		}
	}
	var out, bad []string
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case !version.IsTag(t):
			bad = append(bad, strconv.Quote(t))
		case !seen[t]:
			seen[t] = true
			out = append(out, t)
		}
	}
	switch len(bad) {
	case 0:
		return out, nil
	case 1:
		return nil, fmt.Errorf("tag %s is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}; TAGS takes a comma-separated list such as 1.2.3,stable)", bad[0])
	}
	return nil, fmt.Errorf("tags %s are not valid image tags ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}; TAGS takes a comma-separated list such as 1.2.3,stable)", strings.Join(bad, ", "))
}

// KeepsLatest is the line push writes when tags leave `latest` where it
// is, saying why; "" when latest is among them.
func KeepsLatest(repo, ver string, tags []string, override string) string {
	switch {
	case slices.Contains(tags, "latest"):
		return ""
	case override != "":
		return fmt.Sprintf("leaving %s:latest as it is: TAGS does not name it", repo)
	}
	return fmt.Sprintf("leaving %s:latest as it is: %s is not a release; only a release tag vX.Y.Z moves latest", repo, ver)
}
