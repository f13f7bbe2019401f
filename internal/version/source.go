package version

import (
	"context"
	"net/url"
	"regexp"
	"strings"
)

// scpLike matches git's user@host:path remote form.
var scpLike = regexp.MustCompile(`^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(.+)$`)

// Source is the public address of the repository in dir, for the image's
// source annotation (unless IMAGE_SOURCE says otherwise): the origin
// remote as an https URL. Credentials in the remote are dropped, never
// published. A remote that is a local path has no public address: "".
func Source(ctx context.Context, dir string) string {
	remote, err := gitIn(ctx, dir)("remote", "get-url", "origin")
	if err != nil {
		return ""
	}
	return publicURL(remote)
}

func publicURL(remote string) string {
	if m := scpLike.FindStringSubmatch(remote); m != nil {
		return "https://" + m[1] + "/" + strings.TrimSuffix(m[2], ".git")
	}
	u, err := url.Parse(remote)
	if err != nil || u.Host == "" {
		return ""
	}
	switch u.Scheme {
	case "https", "http", "ssh", "git":
	default:
		return ""
	}
	return "https://" + u.Hostname() + strings.TrimSuffix(u.Path, ".git")
}
