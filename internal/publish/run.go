package publish

import (
	"context"
	"fmt"
	"io"
	"os"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
)

// Config is what a push is asked to do (settings.Publish reads it from
// the environment).
type Config struct {
	// Repo is where the image goes (IMAGE).
	Repo name.Repository
	// Tags are extra tags, comma-separated (TAGS).
	Tags string
	// Username and Password are the credentials for Repo's registry only
	// (REGISTRY_USERNAME, REGISTRY_PASSWORD); empty means the default
	// keychain alone.
	Username, Password string
	// Insecure are the registries that may be reached over plain HTTP
	// (INSECURE_REGISTRY).
	Insecure []string
	// DryRun prints the plan and writes nothing (DRY_RUN).
	DryRun bool
}

// Run pushes img, the image and its attachments (the SBOMs build made,
// and the signatures and provenance sign added, which go up in that
// order, before any tag), as cfg says. The digest reference and each tag
// (or, for a dry run, the plan) go to stdout; progress to stderr.
func Run(ctx context.Context, img ocilayout.Image, cfg Config, stdout, stderr io.Writer) error {
	idx := img.Index
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	tags, err := Tags(im.Annotations[ocispec.AnnotationVersion], im.Annotations[ocispec.AnnotationRevision], cfg.Tags)
	if err != nil {
		return err
	}
	if note := KeepsLatest(cfg.Repo.Name(), im.Annotations[ocispec.AnnotationVersion], tags, cfg.Tags); note != "" {
		fmt.Fprintln(stderr, note)
	}
	repo := cfg.Repo
	opts := []Option{
		WithArtifacts(img.Artifacts...),
		WithRegistry(registryhttp.New(cfg.Registry())),
		WithProgress(stderr, isTerminal(stderr)),
	}
	if cfg.DryRun {
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

// NoCredentials says why push cannot run with cfg: no credentials for its
// registry. "" means push can be attempted.
func NoCredentials(cfg Config) string {
	auth, err := registryhttp.New(cfg.Registry()).Keychain().Resolve(cfg.Repo)
	if err != nil {
		return "reading credentials for " + cfg.Repo.RegistryStr() + ": " + err.Error()
	}
	if auth == authn.Anonymous {
		return "no credentials for " + cfg.Repo.RegistryStr() + " (set REGISTRY_USERNAME and REGISTRY_PASSWORD, or docker login)"
	}
	return ""
}
