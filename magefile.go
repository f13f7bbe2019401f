//go:build mage

// Build, test, run, measure and publish devops-info-service-go; no Docker engine needed.
package main

// Each target is a few lines over a package in internal/ that does the work
// and has its own tests.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/ci"
	"github.com/lehus1/devops-info-service-go/internal/container"
	"github.com/lehus1/devops-info-service-go/internal/gotest"
	"github.com/lehus1/devops-info-service-go/internal/image"
	"github.com/lehus1/devops-info-service-go/internal/lint"
	"github.com/lehus1/devops-info-service-go/internal/provenance"
	"github.com/lehus1/devops-info-service-go/internal/publish"
	"github.com/lehus1/devops-info-service-go/internal/sbom"
	"github.com/lehus1/devops-info-service-go/internal/settings"
	"github.com/lehus1/devops-info-service-go/internal/sign"
	"github.com/lehus1/devops-info-service-go/internal/sizes"
	"github.com/lehus1/devops-info-service-go/internal/verify"
)

const (
	module = "github.com/lehus1/devops-info-service-go"
	// minCoverage is the floor for app/ and every pipeline package.
	minCoverage = 80
)

// Default is the target `go tool mage` runs when none is named.
var Default = Build

// Build compiles the service and assembles its image into dist/oci (env: BASE_IMAGE, PLATFORMS, VERSION, IMAGE).
//
// Binaries go to dist/bin/<os>_<arch>/, the multi-platform OCI layout to
// dist/oci (tagged with the version, each platform's SBOM attached), the
// SBOMs to dist/sbom/, a `docker load`-able tarball of the local platform
// (linux/<this machine's architecture>, on macOS and Windows too) to
// dist/image.tar. The index digest goes to stdout, progress to stderr.
// An unchanged build reuses the last image.
func Build(ctx context.Context) error {
	cfg, err := settings.Load(ctx, ".", os.Getenv)
	if err != nil {
		return err
	}
	base, err := image.ResolveBase(ctx, cfg.BaseImage, cfg.Compression, image.WithBaseLog(os.Stderr))
	if err != nil {
		return err
	}
	if err := base.Check(cfg.OCIPlatforms()); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "building %s (commit %.12s, %s)\n", cfg.Version.Version, cfg.Version.Commit, cfg.Version.Time.Format(time.RFC3339))
	built, err := binary.Build(ctx, ".", cfg.Version, binary.WithPlatforms(cfg.Platforms...), binary.WithProgress(os.Stderr))
	if err != nil {
		return err
	}
	sboms := sbom.Build{Dir: cfg.SBOMDir(), Binaries: built, Base: base, Version: cfg.Version.Version,
		Commit: cfg.Version.Commit, Source: cfg.Source, Created: cfg.Version.Time}
	digest, _, err := image.Build(ctx, base, built, cfg.Metadata(), cfg.Outputs(), os.Stderr, sboms.Attach)
	if err != nil {
		return err
	}
	if err := sbom.Prune(cfg.SBOMDir(), cfg.Platforms); err != nil {
		return err
	}
	fmt.Println(digest)
	return nil
}

// Run starts the image from dist/oci as a real container with runc on 127.0.0.1:$PORT (default 8000) until Ctrl-C.
//
// The URL goes to stdout once /health answers; the service's logs to
// stderr. Ctrl-C or SIGTERM stops the container and removes it and its
// bundle. Needs Linux, root and runc (on Debian: apt-get install runc);
// elsewhere it says how to do the same with Docker or Podman.
func Run(ctx context.Context) error {
	ctx, stop := container.StopOnSignal(ctx)
	defer stop()
	port, err := portFromEnv()
	if err != nil {
		return err
	}
	if err := notLinux(ctx, port); err != nil {
		return err
	}
	img, err := localImage()
	if err != nil {
		return err
	}
	return container.Serve(ctx, img, port, os.Stdout, os.Stderr)
}

// Smoke starts the image under runc, checks / and /health against the contract, the user and a clean SIGTERM exit, and removes it.
//
// Needs Linux; elsewhere it says how to do the same with Docker or Podman.
func Smoke(ctx context.Context) error {
	ctx, stop := container.StopOnSignal(ctx)
	defer stop()
	if err := notLinux(ctx, 8000); err != nil {
		return err
	}
	img, err := localImage()
	if err != nil {
		return err
	}
	port, err := container.FreePort()
	if err != nil {
		return err
	}
	report, err := container.Smoke(ctx, img, port, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Printf("smoke: %d checks passed; healthy %d ms after runc started; exited %d ms after SIGTERM\n",
		len(report.Checks), report.Healthy.Milliseconds(), report.Stopped.Milliseconds())
	return nil
}

// Sizecompare measures the image against the Python baseline: a table on stdout, dist/sizecompare.{json,md,svg} (env: BASELINE, IMAGE_REF, PLATFORM, MAX_SIZE, MIN_RATIO, MEASURE, BASELINE_STRICT).
//
// It fails, with one line per broken limit, when the image is over
// MAX_SIZE compressed (default 20MB) or less than MIN_RATIO times smaller.
// A baseline registry over its rate limit or out of reach gives way to the
// recorded figures, with a warning, unless BASELINE_STRICT=1. Pulls use
// the credentials push would for IMAGE's registry, and docker login's.
func Sizecompare(ctx context.Context) error {
	req, err := sizes.RequestFromEnv(os.Getenv, settings.LocalPlatform().String())
	if err != nil {
		return err
	}
	keys, err := publish.KeychainFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	opts := append(req.Options(), sizes.WithKeychain(keys), sizes.WithLog(os.Stderr))
	report, err := sizes.Compare(ctx, req.Image, req.Baseline, req.Platforms, opts...)
	if err != nil {
		return err
	}
	breaches := report.Check(req.Limits)
	if err := report.WriteFiles("dist", os.Getenv("GITHUB_STEP_SUMMARY")); err != nil {
		return err
	}
	if err := report.WriteTable(os.Stdout); err != nil {
		return err
	}
	if len(breaches) > 0 {
		return errors.New(strings.Join(breaches, "; "))
	}
	return nil
}

// Push signs dist/oci and pushes it to IMAGE: blobs and manifests, then SBOMs, signatures and provenance, then tags, then reads it all back (env: IMAGE, TAGS, REGISTRY_USERNAME, REGISTRY_PASSWORD, INSECURE_REGISTRY, DRY_RUN, COSIGN_PRIVATE_KEY, COSIGN_PASSWORD, SIGN).
//
// A release X.Y.Z is tagged X.Y.Z, X.Y, X and latest; a pre-release its
// version and sha-<commit>. The digest reference and each tag go to
// stdout; DRY_RUN=1 prints the plan and writes nothing.
//
// It signs the index and each platform image and attaches the signature and
// a SLSA provenance before any tag: with COSIGN_PRIVATE_KEY and
// COSIGN_PASSWORD, or keyless in a GitHub Actions job with id-token: write.
// Otherwise it pushes unsigned and says so; SIGN=required makes that an
// error. The signed statements also go to dist/provenance/.
func Push(ctx context.Context) error {
	dir := filepath.Join("dist", "oci")
	var extra []publish.Option
	if d := os.Getenv("DRY_RUN"); d == "" || d == "0" || d == "false" {
		signed, err := signLayout(ctx, dir)
		if err != nil {
			return err
		}
		extra = append(extra, publish.WithArtifacts(signed.Artifacts...))
	}
	return publish.FromEnv(ctx, dir, os.Getenv, os.Stdout, os.Stderr, extra...)
}

// Verify checks that IMAGE (at dist/oci's digest, or IMAGE@sha256:…), or else dist/oci, is signed, has a signed provenance of its commit and an SBOM per platform (env: COSIGN_PUBLIC_KEY, COSIGN_CERTIFICATE_IDENTITY, COSIGN_CERTIFICATE_OIDC_ISSUER, SIGSTORE_TRUSTED_ROOT, IMAGE).
//
// A public key (a PEM file or its text) checks a key-based signature;
// without one, the signature must be keyless, from the workflow identity
// and issuer given (in GitHub Actions: this workflow's). Each failure is
// one line, and the exit status 1.
func Verify(ctx context.Context) error {
	env := signingEnv()
	policy, err := verify.PolicyFor(env.PublicKey, env.Identity, env.Issuer, env.TrustedRoot)
	if err != nil {
		return err
	}
	img, err := verifyTarget(ctx)
	if err != nil {
		return err
	}
	if fails := verify.Check(img, policy); len(fails) > 0 {
		return errors.New(strings.Join(fails, "\n"))
	}
	fmt.Printf("verified %s: signature, provenance of commit %.12s, %d SBOMs\n", img.Name, img.Commit, len(img.Platforms))
	return nil
}

// Ci runs the pipeline as CI does: lint, test, build, smoke, sizecompare, then push and verify when there are credentials for IMAGE.
//
// It stops at the first failure and closes with each step's result and
// duration. Without credentials, push is skipped and the summary says why.
func Ci(ctx context.Context) error {
	var opts []ci.Option
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		opts = append(opts, ci.WithGitHubActions(os.Getenv("GITHUB_STEP_SUMMARY")))
	}
	_, err := ci.Run(ctx, os.Stdout, []ci.Step{
		{Name: "lint", Run: Lint},
		{Name: "test", Run: Test},
		{Name: "build", Run: Build},
		{Name: "smoke", Run: Smoke, Skip: func() string {
			// In CI a missing runc is a failure of the step, not a skip;
			// off Linux no runc can be installed.
			err := container.Available()
			if errors.Is(err, container.ErrNeedsLinux) || err != nil && os.Getenv("CI") != "true" {
				return err.Error()
			}
			return ""
		}},
		{Name: "sizecompare", Run: Sizecompare},
		{Name: "push", Run: Push, Skip: func() string { return publish.NoCredentials(os.Getenv) }},
		{Name: "verify", Run: Verify, Skip: func() string {
			if why := publish.NoCredentials(os.Getenv); why != "" {
				return "nothing pushed: " + why
			}
			if e := signingEnv(); e.PublicKey == "" && e.Identity == "" {
				return "nothing to verify against (set COSIGN_PUBLIC_KEY)"
			}
			return ""
		}},
	}, opts...)
	return err
}

// signLayout signs the image in dir and its provenance, writes both to
// dist/provenance, and returns them for push to attach; nothing, and one
// line on stderr, when there is nothing to sign with.
func signLayout(ctx context.Context, dir string) (sign.Signed, error) {
	env := signingEnv()
	signer, err := sign.New(ctx, env.Sign)
	if err != nil || signer == nil {
		if err == nil {
			fmt.Fprintln(os.Stderr, sign.Unsigned)
		}
		return sign.Signed{}, err
	}
	idx, _, err := image.Read(dir)
	if err != nil {
		return sign.Signed{}, err
	}
	st, err := provenance.Make(idx, provenance.BuilderFromEnv(os.Getenv, runtime.GOOS, runtime.GOARCH))
	if err != nil {
		return sign.Signed{}, err
	}
	data, err := provenance.JSON(st)
	if err != nil {
		return sign.Signed{}, err
	}
	signed, err := sign.Image(ctx, signer, idx, data)
	if err != nil {
		return sign.Signed{}, err
	}
	fmt.Fprintf(os.Stderr, "signed (%s) the index, %d platform images and their provenance\n", signer.How, len(st.GetSubject())-1)
	return signed, signed.WriteFiles(filepath.Join("dist", "provenance"))
}

// signing is the environment's word on signing and verifying.
type signing struct {
	Sign                                     sign.Config
	PublicKey, Identity, Issuer, TrustedRoot string
}

// signingEnv reads COSIGN_PRIVATE_KEY and COSIGN_PUBLIC_KEY (a file, or
// the PEM itself), COSIGN_PASSWORD, SIGN, COSIGN_CERTIFICATE_IDENTITY,
// COSIGN_CERTIFICATE_OIDC_ISSUER and SIGSTORE_TRUSTED_ROOT, and in GitHub
// Actions the OIDC token request and the workflow's identity.
func signingEnv() signing {
	pem := func(k string) []byte {
		v := os.Getenv(k)
		if v == "" || strings.HasPrefix(strings.TrimSpace(v), "-----BEGIN") {
			return []byte(v)
		}
		data, err := os.ReadFile(v)
		if err != nil {
			return []byte(v) // LoadKey says it is no key, naming the variable
		}
		return data
	}
	s := signing{
		Sign:      sign.Config{PrivateKey: pem("COSIGN_PRIVATE_KEY"), Password: []byte(os.Getenv("COSIGN_PASSWORD")), Required: os.Getenv("SIGN") == "required"},
		PublicKey: string(pem("COSIGN_PUBLIC_KEY")), Identity: os.Getenv("COSIGN_CERTIFICATE_IDENTITY"),
		Issuer: os.Getenv("COSIGN_CERTIFICATE_OIDC_ISSUER"), TrustedRoot: os.Getenv("SIGSTORE_TRUSTED_ROOT"),
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		s.Sign.TokenURL, s.Sign.TokenBearer = os.Getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), os.Getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
		if s.Identity == "" {
			s.Identity = os.Getenv("GITHUB_SERVER_URL") + "/" + os.Getenv("GITHUB_WORKFLOW_REF")
		}
		if s.Issuer == "" {
			s.Issuer = verify.GitHubIssuer
		}
	}
	return s
}

// verifyTarget is IMAGE at dist/oci's digest (or at the digest IMAGE
// names), with push's credentials and transport; dist/oci itself when
// IMAGE is not set.
func verifyTarget(ctx context.Context) (verify.Image, error) {
	dir := filepath.Join("dist", "oci")
	ref := os.Getenv("IMAGE")
	if ref == "" {
		return verify.FromLayout(dir, filepath.Join("dist", "provenance"))
	}
	insecure := strings.Split(os.Getenv("INSECURE_REGISTRY"), ",")
	repoName, digest, _ := strings.Cut(ref, "@")
	repo, err := publish.Repository(repoName, insecure)
	if err != nil {
		return verify.Image{}, err
	}
	if digest == "" {
		idx, _, err := image.Read(dir)
		if err != nil {
			return verify.Image{}, fmt.Errorf("IMAGE names no digest (IMAGE=repo@sha256:…), and %w", err)
		}
		h, _ := idx.Digest()
		digest = h.String()
	}
	keys, err := publish.KeychainFromEnv(os.Getenv)
	if err != nil {
		return verify.Image{}, err
	}
	return verify.FromRegistry(repo.Digest(digest), remote.WithContext(ctx), remote.WithAuthFromKeychain(keys), remote.WithTransport(publish.Transport(insecure)))
}

// localImage is the local platform's image from dist/oci, checked blob by
// blob first.
func localImage() (v1.Image, error) {
	dir := filepath.Join("dist", "oci")
	if err := image.Verify(dir); err != nil {
		return nil, err
	}
	idx, _, err := image.Read(dir)
	if err != nil {
		return nil, err
	}
	return image.PlatformImage(idx, image.OCIPlatform(settings.LocalPlatform()))
}

// notLinux is, off Linux, the one line that says run and smoke cannot work
// here and gives the Docker or Podman commands that do the same.
func notLinux(ctx context.Context, port int) error {
	if !errors.Is(container.Available(), container.ErrNeedsLinux) {
		return nil
	}
	cfg, err := settings.Load(ctx, ".", os.Getenv)
	if err != nil {
		return err
	}
	return container.Instead(cfg.Outputs().Tarball, cfg.TagName(cfg.Version.Version), port)
}

func portFromEnv() (int, error) {
	p := os.Getenv("PORT")
	if p == "" {
		return 8000, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("PORT must be a number from 1 to 65535, got %q", p)
	}
	return n, nil
}

// Test runs every test with the race detector and fails below 80% coverage in any package.
//
// Failing and skipped tests' output streams to stderr as it comes; the
// per-package table and the closing count go to stdout; the merged profile
// is dist/coverage.out.
func Test(ctx context.Context) error {
	race, why := gotest.RaceSupported(ctx, ".")
	if !race {
		if os.Getenv("CI") == "true" {
			return fmt.Errorf("the race detector cannot run: %s", why)
		}
		fmt.Fprintf(os.Stderr, "WARNING: testing WITHOUT the race detector: %s\n", why)
	}
	// Off Linux the container tests skip: their package is measured, not held to the floor.
	var exempt []string
	if errors.Is(container.Available(), container.ErrNeedsLinux) {
		exempt = append(exempt, module+"/internal/container")
	}
	sum, err := gotest.Run(ctx, ".", gotest.WithRace(race), gotest.WithMinCoverage(minCoverage), gotest.WithFresh(os.Getenv("CI") == "true"),
		gotest.WithCoverProfile("dist/coverage.out"), gotest.WithOutput(os.Stderr), gotest.WithExempt("runc needs Linux", exempt...))
	if werr := sum.WriteTable(os.Stdout, minCoverage, module); err == nil {
		err = werr
	}
	return err
}

// Lint checks formatting (gofmt), correctness (go vet), style (staticcheck), that the code compiles for macOS and Windows, and the CI workflow (actionlint).
func Lint(ctx context.Context) error {
	return lint.Run(ctx, ".", lint.WithOutput(os.Stderr), lint.WithShellcheckRequired(os.Getenv("CI") == "true"))
}

// Clean removes dist/, everything the pipeline writes.
func Clean() error {
	return os.RemoveAll("dist")
}
