// Package version works out what a build is: its version, commit and time,
// from the environment and git, the same way on a laptop and in CI.
package version

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/semver"
)

// Info identifies one build.
type Info struct {
	// Version is SemVer without the leading "v", and is also a valid Docker
	// tag: "1.2.3", or "1.2.4-dev.5.g0123456789ab" between releases.
	Version string
	// Commit is the full hash of HEAD, or "unknown" outside git.
	Commit string
	// Time is SOURCE_DATE_EPOCH, else HEAD's commit time, else the Unix
	// epoch: never the clock, so that a rebuild is identical.
	Time time.Time
	// Dirty says tracked files differ from HEAD.
	Dirty bool
}

// DevVersion is what a build outside a git checkout calls itself.
const DevVersion = "0.0.0-dev"

// dockerTag is the grammar of an image tag, as the OCI distribution spec
// and Docker define it.
var dockerTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// IsTag says whether s is an image tag by the OCI distribution spec's
// grammar, [A-Za-z0-9_][A-Za-z0-9._-]{0,127}: a version is one, and push
// checks every tag against it before anything is sent.
func IsTag(s string) bool { return dockerTag.MatchString(s) }

// Detect works out the build of the checkout in dir, from git alone: an
// exact vX.Y.Z tag on a clean HEAD gives X.Y.Z; anything else is a
// pre-release derived from `git describe`. What the environment pins
// (VERSION, SOURCE_DATE_EPOCH) settings reads, and puts over what Detect
// found. It fails only when git refuses to read the checkout.
func Detect(ctx context.Context, dir string) (Info, error) {
	info := Info{Version: DevVersion, Commit: "unknown", Time: time.Unix(0, 0).UTC()}
	g := gitIn(ctx, dir)
	// Every build waits for this before compiling. HEAD and its time, its
	// status, the tags on it, the last release tag before it and the
	// commits since: asked side by side, though the tags count only on a
	// clean HEAD and the commits only when no tag is a release, as asking
	// in turn would multiply the wait.
	var out string
	var err error
	var a answers
	var wg sync.WaitGroup
	wg.Go(func() { out, err = g("log", "-1", "--format=%H %ct", "HEAD") })
	wg.Go(func() { a.status, _ = g("status", "--porcelain", "--untracked-files=no") })
	wg.Go(func() { a.tags, _ = g("tag", "--points-at", "HEAD", "--list", "v[0-9]*") })
	wg.Go(func() { a.desc, _ = g("describe", "--tags", "--long", "--match", "v[0-9]*", "HEAD") })
	wg.Go(func() { a.count, _ = g("rev-list", "--count", "HEAD") })
	wg.Wait()
	head, ct, _ := strings.Cut(out, " ")
	if err != nil || head == "" {
		// Outside a checkout, without git, or before the first commit, the
		// build still works. A checkout that git refuses to read (such as
		// "dubious ownership") is an error: silently stamping 0.0.0-dev
		// would mislabel a real build.
		if _, err := g("rev-parse", "--git-dir"); err != nil && !errors.Is(err, exec.ErrNotFound) && !strings.Contains(err.Error(), "not a git repository") {
			return Info{}, fmt.Errorf("reading the version from git: %w", err)
		}
		return info, nil
	}
	info.Commit = head
	if sec, err := strconv.ParseInt(ct, 10, 64); err == nil {
		info.Time = time.Unix(sec, 0).UTC()
	}
	info.Dirty = a.status != ""
	info.Version = a.version(head[:min(12, len(head))], info.Dirty)
	return info, nil
}

// Validate checks that v (without "v") is a full SemVer version without
// build metadata, which is also what a Docker tag allows.
func Validate(v string) error {
	if !isRelease("v"+v) || !dockerTag.MatchString(v) {
		return fmt.Errorf("VERSION %q is not a version such as 1.2.3 or 1.2.3-rc.1 (SemVer without build metadata, usable as a Docker tag)", v)
	}
	return nil
}

// isRelease accepts vX.Y.Z and vX.Y.Z-pre, not Go's shorthand v1.2 nor +build.
func isRelease(v string) bool {
	return semver.IsValid(v) && semver.Canonical(v) == v
}

// answers are what git said of HEAD: its status, the tags pointing at
// it, its description by the last release tag before it (`git describe`)
// and the number of its commits.
type answers struct {
	status, tags, desc, count string // "" where git failed
}

// version is X.Y.Z for a clean HEAD tagged vX.Y.Z; otherwise a
// pre-release that sorts after the last tag and names the commit hash.
func (a answers) version(hash string, dirty bool) string {
	if best := highest(strings.Fields(a.tags)); !dirty && best != "" {
		return strings.TrimPrefix(best, "v")
	}
	// v1.2.3-rc.1-4-gabcdef: the tag may hold dashes, so cut from the right.
	if parts := strings.Split(a.desc, "-"); len(parts) >= 3 {
		if tag := strings.Join(parts[:len(parts)-2], "-"); isRelease(tag) {
			return devVersion(tag, parts[len(parts)-2], hash, dirty)
		}
	}
	return devVersion("v0.0.0", a.count, hash, dirty)
}

// devVersion names a build count commits after tag base: after 1.2.3 comes
// 1.2.4-dev.N.gHASH; after 1.3.0-rc.1 comes 1.3.0-rc.1.dev.N.gHASH, still
// below 1.3.0. SemVer's "+" metadata is not used: Docker tags forbid it.
func devVersion(base, count, hash string, dirty bool) string {
	var v string
	if semver.Prerelease(base) != "" {
		v = strings.TrimPrefix(base, "v") + ".dev." + count + ".g" + hash
	} else {
		var major, minor, patch int
		fmt.Sscanf(base, "v%d.%d.%d", &major, &minor, &patch)
		v = fmt.Sprintf("%d.%d.%d-dev.%s.g%s", major, minor, patch+1, count, hash)
	}
	if dirty {
		v += ".dirty"
	}
	return v
}

func highest(tags []string) string {
	best := ""
	for _, t := range tags {
		if isRelease(t) && (best == "" || semver.Compare(t, best) > 0) {
			best = t
		}
	}
	return best
}

func gitIn(ctx context.Context, dir string) func(...string) (string, error) {
	return func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return strings.TrimSpace(string(out)), nil
	}
}
