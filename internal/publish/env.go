package publish

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lehus1/devops-info-service-go/internal/image"
)

// DefaultImage is where the image is published unless IMAGE says otherwise.
const DefaultImage = "docker.io/lehus1/devops-info-service-go"

// FromEnv pushes the image in the layout dir as the environment says:
// IMAGE, TAGS, REGISTRY_USERNAME, REGISTRY_PASSWORD, INSECURE_REGISTRY and
// DRY_RUN. The digest reference and each tag (or, for a dry run, the plan)
// go to stdout; progress to stderr. extra come after the options the
// environment gives, so their artifacts (signatures) follow the layout's
// (SBOMs).
func FromEnv(ctx context.Context, dir string, getenv func(string) string, stdout, stderr io.Writer, extra ...Option) error {
	if err := image.Verify(dir); err != nil {
		return err
	}
	idx, _, err := image.Read(dir)
	if err != nil {
		return err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	tags, err := Tags(im.Annotations["org.opencontainers.image.version"], im.Annotations["org.opencontainers.image.revision"], getenv("TAGS"))
	if err != nil {
		return err
	}
	insecure := strings.Split(getenv("INSECURE_REGISTRY"), ",")
	repo, err := repositoryFromEnv(getenv)
	if err != nil {
		return err
	}
	arts, err := image.Artifacts(dir)
	if err != nil {
		return err
	}
	opts := []Option{
		WithArtifacts(arts...),
		WithKeychain(Keychain(repo.RegistryStr(), getenv)),
		WithTransport(Transport(insecure)),
		WithSecrets(getenv("REGISTRY_PASSWORD")),
		WithProgress(stderr, isTerminal(stderr)),
	}
	opts = append(opts, extra...)
	if d := getenv("DRY_RUN"); d != "" && d != "0" && d != "false" {
		plan, err := MakePlan(ctx, idx, repo, tags, opts...)
		if err != nil {
			return err
		}
		plan.Write(stdout)
		return nil
	}
	if err := Preflight(repo, opts...); err != nil {
		return err
	}
	res, err := Push(ctx, idx, repo, tags, opts...)
	if err != nil {
		return err
	}
	for _, a := range res.Attached {
		fmt.Fprintf(stderr, "attached %s\n", a)
	}
	fmt.Fprintln(stdout, res.Digest)
	for _, t := range res.Tags {
		fmt.Fprintln(stdout, t)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// NoCredentials says why push cannot run as the environment stands: no
// credentials for IMAGE's registry, or IMAGE is malformed. "" means push
// can be attempted.
func NoCredentials(getenv func(string) string) string {
	repo, err := repositoryFromEnv(getenv)
	if err != nil {
		return err.Error()
	}
	auth, err := Keychain(repo.RegistryStr(), getenv).Resolve(repo)
	if err != nil {
		return "reading credentials for " + repo.RegistryStr() + ": " + err.Error()
	}
	if auth == authn.Anonymous {
		return "no credentials for " + repo.RegistryStr() + " (set REGISTRY_USERNAME and REGISTRY_PASSWORD, or docker login)"
	}
	return ""
}

// KeychainFromEnv is the keychain push would use, REGISTRY_USERNAME and
// REGISTRY_PASSWORD for IMAGE's registry and the default keychain, for a
// step that reads from registries: the credentials reach IMAGE's registry
// and no other.
func KeychainFromEnv(getenv func(string) string) (authn.Keychain, error) {
	repo, err := repositoryFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return Keychain(repo.RegistryStr(), getenv), nil
}

// repositoryFromEnv is IMAGE (default DefaultImage), with
// INSECURE_REGISTRY's hosts allowed plain HTTP.
func repositoryFromEnv(getenv func(string) string) (name.Repository, error) {
	image := getenv("IMAGE")
	if image == "" {
		image = DefaultImage
	}
	return Repository(image, strings.Split(getenv("INSECURE_REGISTRY"), ","))
}
