package publish

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

// Registry is how cfg reaches registries, for push and for the steps
// that read with push's credentials (sizecompare, verify): Username and
// Password reach Repo's registry and no other.
func (cfg Config) Registry() registryhttp.Config {
	return registryhttp.Config{Insecure: cfg.Insecure, Registry: cfg.Repo.RegistryStr(), Username: cfg.Username, Password: cfg.Password}
}

// Preflight checks, in about a second, that the credentials may push to
// repo: it starts an upload and cancels it. A refusal names the registry
// and says what to set.
func Preflight(repo name.Repository, opts ...Option) (err error) {
	o := newOptions(opts)
	defer o.redactErr(&err)
	auth, err := o.registry.Keychain().Resolve(repo)
	if err != nil {
		return fmt.Errorf("reading credentials for %s: %w", repo.RegistryStr(), err)
	}
	// A flaky registry must not fail the check: retried like the push.
	err = remote.CheckPushPermission(repo.Tag("preflight"), o.registry.Keychain(), o.registry.Transport())
	if err == nil {
		return nil
	}
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
		return credentialsError(repo, auth, te.StatusCode)
	}
	return fmt.Errorf("checking push access to %s: %w", repo.Name(), err)
}

// Repository parses IMAGE; hosts in insecure may be reached over plain HTTP.
// The usual mistakes (a tag, a URL, upper case, a digest) are named.
func Repository(image string, insecure []string) (name.Repository, error) {
	if m := imageMistake(image); m != "" {
		return name.Repository{}, fmt.Errorf("IMAGE %q %s", image, m)
	}
	var opts []name.Option
	for _, h := range insecure {
		if r, err := name.NewRepository(image); err == nil && r.RegistryStr() == strings.TrimSpace(h) {
			opts = append(opts, name.Insecure)
		}
	}
	repo, err := name.NewRepository(image, opts...)
	if err != nil {
		return name.Repository{}, fmt.Errorf("IMAGE %q is not a repository such as docker.io/user/name or localhost:5000/name: %w", image, err)
	}
	return repo, nil
}

// imageMistake names what is wrong with image when it is one of the usual
// mistakes, and says how to fix it; "" otherwise.
func imageMistake(image string) string {
	last := image[strings.LastIndex(image, "/")+1:]
	switch {
	case strings.Contains(image, "://"):
		return "is a URL: drop " + image[:strings.Index(image, "://")+3] + " (IMAGE is a repository such as ghcr.io/user/name)"
	case strings.Contains(image, "@"):
		return "names a digest: IMAGE is the repository alone; push makes the digest (IMAGE=repo@sha256:… is for verify)"
	case strings.Contains(strings.TrimSuffix(last, ":"), ":") && strings.Contains(image, "/"):
		return "takes no tag (set TAGS): IMAGE is the repository alone, such as " + image[:len(image)-len(last)] + last[:strings.Index(last, ":")]
	case image != strings.ToLower(image):
		return "has upper case: lower case only"
	}
	return ""
}

// redactErr removes the secrets from *err. Push, MakePlan and Preflight,
// the ways out of the package for a registry's error, defer it: a registry
// or a library may echo what it was sent.
func (o options) redactErr(err *error) { *err = o.registry.Redact(*err) }

// credentialsError says, in one line, that the registry wants other
// credentials than auth, the ones sent, and what to set.
func credentialsError(repo name.Repository, auth authn.Authenticator, status int) error {
	reg := repo.RegistryStr()
	if auth == authn.Anonymous {
		return fmt.Errorf("no credentials for %s: set REGISTRY_USERNAME and REGISTRY_PASSWORD (a token works as the password), or run 'docker login %s'", reg, reg)
	}
	return fmt.Errorf("%s refused the credentials for pushing to %s (%d): check REGISTRY_USERNAME and REGISTRY_PASSWORD, or 'docker login %s'", reg, repo.RepositoryStr(), status, reg)
}
