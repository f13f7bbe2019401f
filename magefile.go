//go:build mage

// Build, test, run, measure and publish devops-info-service-go; building needs no Docker engine.
// "go tool mage -h <target>" shows what a target reads (Env:) and writes.
package main

// Each target is a few lines over a package in internal/ that does the work
// and has its own tests; the helpers follow the targets.
//
// The -h text keeps its line breaks (the package comment, shown raw by -l,
// must hold no backquote):
//mage:multiline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/ci"
	"github.com/lehus1/devops-info-service-go/internal/container"
	"github.com/lehus1/devops-info-service-go/internal/dev"
	"github.com/lehus1/devops-info-service-go/internal/dist"
	"github.com/lehus1/devops-info-service-go/internal/engine"
	"github.com/lehus1/devops-info-service-go/internal/gotest"
	"github.com/lehus1/devops-info-service-go/internal/gotool"
	"github.com/lehus1/devops-info-service-go/internal/layer"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
	"github.com/lehus1/devops-info-service-go/internal/publish"
	"github.com/lehus1/devops-info-service-go/internal/registryhttp"
	"github.com/lehus1/devops-info-service-go/internal/settings"
	"github.com/lehus1/devops-info-service-go/internal/sizes"
	"github.com/lehus1/devops-info-service-go/internal/sizes/render"
)

const module = "github.com/lehus1/devops-info-service-go"

// Default is the target `go tool mage` runs when none is named.
var Default = Build

// Build compiles the service and assembles its multi-platform image into dist/oci.
//
// Env: VERSION, SOURCE_DATE_EPOCH, PLATFORMS, BASE_IMAGE, COMPRESSION,
// IMAGE, INSECURE_REGISTRY, IMAGE_SOURCE, IMAGE_LICENSES.
//
// Binaries go to dist/bin/<os>_<arch>/, the multi-platform OCI layout to
// dist/oci (tagged with the version, each platform's SBOM attached), the
// SBOMs to dist/sbom/, a `docker load`-able tarball of the local platform
// (linux/<this machine's architecture>, on macOS and Windows too) to
// dist/image.tar. The index digest goes to stdout, progress to stderr.
// An unchanged build reuses the last image. One build at a time writes
// dist/ (a second waits, saying so), and it clears what a killed one left.
func Build(ctx context.Context) error {
	cfg, err := settings.Load(ctx, ".", os.Getenv)
	if err != nil {
		return err
	}
	unlock, err := ocilayout.Lock(cfg.Outputs(), os.Stderr)
	if err != nil {
		return err
	}
	defer unlock()
	b, err := resolveBase(ctx, cfg)
	if err != nil {
		return err
	}
	digest, err := dist.Build(ctx, cfg, b, os.Stderr)
	if err == nil {
		fmt.Println(digest)
	}
	return err
}

// Run serves the image as a confined container on 127.0.0.1:$PORT until Ctrl-C.
//
// Env: PORT (default 8000), ENGINE (runc, docker or podman).
//
// The engine is runc as root on Linux, else Docker, else Podman; the
// first line says which and why. runc starts dist/oci in a network
// namespace of its own, with 127.0.0.1:$PORT forwarded into it; Docker
// and Podman load dist/image.tar and publish the port on 127.0.0.1 only.
// Either way the container is confined (no capabilities, no new
// privileges, seccomp, process and open-file limits, read-only root, a
// noexec /tmp). The URL goes to stdout once /health answers; the
// service's logs to stderr. Ctrl-C or SIGTERM stops the container and
// removes it.
func Run(ctx context.Context) error {
	ctx, stop := container.StopOnSignal(ctx)
	defer stop()
	port, err := settings.Port(os.Getenv)
	if err != nil {
		return err
	}
	local := localImage()
	choice, err := chooseEngine(local)
	if err != nil {
		return err
	}
	return engine.Serve(ctx, choice, local, port, os.Stdout, os.Stderr)
}

// Dev serves the service on 127.0.0.1:$PORT and swaps in a rebuild after each save in app/.
//
// Env: PORT (default 8000), DEV_CONTAINER, ENGINE.
//
// A saved change answers about a second later. Each version runs as a
// plain process (no root, no engine, no image); DEV_CONTAINER=1 runs each
// in a container with run's engine (named first, with why), confined as
// run confines it. The old version serves until the new one answers
// /health, so no request is refused; a change that does not compile
// prints the compiler's errors and the old version serves on. Ctrl-C
// stops everything and removes what dev made.
func Dev(ctx context.Context) error {
	ctx, stop := container.StopOnSignal(ctx)
	defer stop()
	cfg, err := settings.ReadDev(ctx, ".", os.Getenv)
	if err != nil {
		return err
	}
	runner := dev.Process()
	if cfg.Container {
		if runner, err = devContainer(ctx, cfg.Build); err != nil {
			if ctx.Err() != nil {
				return nil // Ctrl-C while the engine was asked: a stop like any other
			}
			return err
		}
	}
	return dev.Run(ctx, dev.Config{Port: cfg.Port, Version: cfg.Build.Version, Runner: runner}, os.Stdout, os.Stderr)
}

// Smoke starts the image with run's engine, checks it against the contract and removes it.
//
// Env: ENGINE.
//
// It checks / and /health against the contract, the user, the
// confinement and a clean exit on SIGTERM. Under runc, the confinement is
// seen from the process's side: its own network namespace, from which it
// cannot reach this machine's 127.0.0.1; Docker's default seccomp filter;
// limits on open files and processes; a noexec, nosuid, nodev /tmp. Under
// Docker and Podman, each flag is read back from the engine, and one line
// says which checks the engine cannot show.
func Smoke(ctx context.Context) error {
	ctx, stop := container.StopOnSignal(ctx)
	defer stop()
	local := localImage()
	choice, err := chooseEngine(local)
	if err != nil {
		return err
	}
	report, err := engine.Smoke(ctx, choice, local, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Printf("smoke: %d checks passed; healthy %d ms after %s started; exited %d ms after SIGTERM\n",
		len(report.Checks), report.Healthy.Milliseconds(), choice.Name, report.Stopped.Milliseconds())
	return nil
}

// Sizecompare measures the image against the Python baseline and fails over the size limits.
//
// Env: BASELINE, IMAGE_REF, SIZE_PLATFORMS, MAX_SIZE, MIN_RATIO, MEASURE,
// BASELINE_STRICT; IMAGE, INSECURE_REGISTRY, REGISTRY_USERNAME and
// REGISTRY_PASSWORD as push reads them.
//
// The table goes to stdout, the report to dist/sizecompare.{json,md,svg}.
// It fails, with one line per broken limit, when the image is over
// MAX_SIZE compressed (default 20MB) or less than MIN_RATIO times smaller.
// A baseline registry over its rate limit or out of reach gives way to the
// recorded figures, with a warning, unless BASELINE_STRICT=1. Pulls use
// the credentials push would for IMAGE's registry, and docker login's.
func Sizecompare(ctx context.Context) error {
	req, err := settings.Sizes(os.Getenv, platform.Local(), os.Stderr)
	if err != nil {
		return err
	}
	push, err := settings.Publish(os.Getenv)
	if err != nil {
		return err
	}
	report, err := sizes.Compare(ctx, req, sizes.WithRegistry(registryhttp.New(push.Registry())), sizes.WithLog(os.Stderr))
	if err != nil {
		return err
	}
	return writeSizes(report, report.Check(req.Limits))
}

// Push signs dist/oci and pushes it to IMAGE with its SBOMs, signatures, provenance and tags.
//
// Env: IMAGE, TAGS, REGISTRY_USERNAME, REGISTRY_PASSWORD,
// INSECURE_REGISTRY, DRY_RUN, COSIGN_PRIVATE_KEY, COSIGN_PASSWORD, SIGN.
//
// Blobs and manifests go first, then SBOMs, signatures and provenance,
// then tags, and then it reads it all back. A release X.Y.Z is tagged
// X.Y.Z, X.Y, X and latest; a pre-release its version and sha-<commit>.
// The digest reference and each tag go to stdout; DRY_RUN=1 prints the
// plan and writes nothing.
//
// It signs the index and each platform image and attaches the signature and
// a SLSA provenance before any tag: with COSIGN_PRIVATE_KEY and
// COSIGN_PASSWORD, or keyless in a GitHub Actions job with id-token: write.
// Otherwise it pushes unsigned and says so; SIGN=required makes that an
// error. The signed statements also go to dist/provenance/.
func Push(ctx context.Context) error {
	// IMAGE's mistakes, then a missing build, before "not signing",
	// dist/provenance/, and compiling the signing.
	if _, err := settings.Publish(os.Getenv); err != nil {
		return err
	}
	if err := ocilayout.Built(settings.DistIn(".").Layout()); err != nil {
		return err
	}
	return gotool.Run(ctx, os.Stdout, os.Stderr, "release", "push")
}

// Verify checks the signatures, provenance and SBOMs of the pushed image, or else of dist/oci.
//
// Env: IMAGE, COSIGN_PUBLIC_KEY, COSIGN_CERTIFICATE_IDENTITY,
// COSIGN_CERTIFICATE_OIDC_ISSUER, SIGSTORE_TRUSTED_ROOT.
//
// It checks IMAGE at dist/oci's digest (or IMAGE@sha256:…), or else
// dist/oci itself: a signature, a signed provenance of its commit and a
// signed SBOM per platform. A public key (a PEM file or its text) checks
// a key-based signature; without one, the signature must be keyless,
// from the workflow identity and issuer given (in GitHub Actions: this
// workflow's). Each failure is one line, and the exit status 1.
func Verify(ctx context.Context) error {
	return gotool.Run(ctx, os.Stdout, os.Stderr, "release", "verify")
}

// Vulncheck fails on a known vulnerability that the source or dist/bin's binaries reach.
//
// Env: VULNDB.
//
// It runs govulncheck: one line per vulnerability, with the version that
// fixes it; OpenVEX documents go to dist/sbom/, beside the SBOMs. The
// binaries are stripped, so their findings are listed, and only the
// source's reached ones fail.
func Vulncheck(ctx context.Context) error {
	return gotool.RunPackage(ctx, os.Stdout, os.Stderr, "./internal/vulncheck/cmd/vulncheck")
}

// Ci runs the pipeline as CI does: lint, test, build, vulncheck, smoke, sizecompare, push, verify.
//
// Env: CI, GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, and each step's.
//
// Push and verify run only when there are credentials for IMAGE, and
// smoke only where an engine can run the image (in CI a missing engine
// fails it). It stops at the first failure and closes with each step's
// result and duration; a skipped step says why.
func Ci(ctx context.Context) error {
	host := settings.ReadCI(os.Getenv)
	var opts []ci.Option
	if host.GitHubActions {
		opts = append(opts, ci.WithGitHubActions(host.StepSummary))
	}
	_, err := ci.Run(ctx, os.Stdout, []ci.Step{
		{Name: "lint", Run: Lint},
		{Name: "test", Run: Test},
		{Name: "build", Run: Build},
		{Name: "vulncheck", Run: Vulncheck},
		{Name: "smoke", Run: Smoke, Skip: noEngine(host.Enabled)},
		{Name: "sizecompare", Run: Sizecompare},
		{Name: "push", Run: Push, Skip: noCredentials},
		{Name: "verify", Run: Verify, Skip: nothingToVerify},
	}, opts...)
	return err
}

// Test runs every test with the race detector and fails below 80% coverage in any package.
//
// Env: CI (CI=true: a missing race detector fails, and every test runs
// again rather than go test's cached result standing).
//
// Failing and skipped tests' output streams to stderr as it comes; the
// per-package table and the closing count go to stdout; the merged profile
// is dist/coverage.out. With CI=true the test binaries are kept in
// dist/test, so that the next such run links only those whose code
// changed. The tests that link sigstore-go, golang.org/x/tools,
// golang.org/x/vuln or actionlint run without the race detector, beside
// the others: their code starts no goroutines, and those libraries then
// compile once, for them and for the commands that use them (push's
// signing, lint, vulncheck), not once more with -race. The race
// detector does not instrument the compression library
// (klauspost/compress), whose gzip it slows sevenfold.
func Test(ctx context.Context) error {
	inCI := settings.ReadCI(os.Getenv).Enabled
	race, err := gotest.Race(ctx, ".", inCI, os.Stderr)
	if err != nil {
		return err
	}
	sum, err := gotest.Run(ctx, ".", testOptions(race, inCI)...)
	if werr := sum.WriteTable(os.Stdout, gotest.MinCoverage, module); err == nil {
		err = werr
	}
	return err
}

// Lint runs gofmt, go vet, staticcheck, a macOS/Windows type-check, actionlint and a docs link check.
//
// Env: CI (CI=true: a missing shellcheck fails).
//
// Every check runs, so one run shows every finding. actionlint checks the
// CI workflow, with shellcheck for its run: scripts and the scripts in
// .ci and scripts/; the link check finds relative links in README.md and
// docs/ that lead nowhere.
func Lint(ctx context.Context) error {
	return gotool.RunPackage(ctx, os.Stdout, os.Stderr, "./internal/lint/cmd/lint")
}

// Clean removes dist/, everything the pipeline writes.
func Clean() error {
	return os.RemoveAll(settings.DistIn(".").Root())
}

// resolveBase finds build's base and checks it has every platform, so
// that a build fails before anything is compiled.
func resolveBase(ctx context.Context, cfg settings.Settings) (*base.Base, error) {
	reg := registryhttp.New(registryhttp.Config{Insecure: cfg.Insecure})
	b, err := base.Resolve(ctx, cfg.BaseImage, cfg.Compression, base.WithLog(os.Stderr), base.WithRegistry(reg))
	if err != nil {
		return nil, err
	}
	return b, b.Check(cfg.Platforms)
}

// devContainer is dev's runner for DEV_CONTAINER=1: run's engine and
// container, with an image on build's base.
func devContainer(ctx context.Context, cfg settings.Settings) (dev.Runner, error) {
	choice, err := pickEngine()
	if err != nil {
		return nil, err
	}
	// dev's images go no further than this machine's engine, which
	// would decompress a compressed layer at once.
	cfg.Compression = layer.Uncompressed
	b, err := resolveBase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return dev.InContainer(ctx, choice, b, cfg.Metadata(), os.Stderr)
}

// localImage is build's image, as run and smoke start it: dist/oci, and
// dist/image.tar for Docker and Podman.
func localImage() engine.Local {
	out := settings.DistIn(".")
	return engine.Local{Layout: out.Layout(), Tarball: out.Tarball()}
}

// chooseEngine is run's and smoke's engine, named on stderr with why; a
// missing image is said first, as no engine can mend it.
func chooseEngine(local engine.Local) (engine.Choice, error) {
	if err := local.Built(); err != nil {
		return engine.Choice{}, err
	}
	return pickEngine()
}

// pickEngine is the engine ENGINE names or the host allows, named on
// stderr with why.
func pickEngine() (engine.Choice, error) {
	want, err := settings.Engine(os.Getenv)
	if err != nil {
		return engine.Choice{}, err
	}
	choice, err := engine.Choose(want, engine.ThisHost())
	if err != nil {
		return choice, err
	}
	fmt.Fprintln(os.Stderr, choice)
	return choice, nil
}

// writeSizes is sizecompare's output: the report's files in dist/ (and
// the job summary in GitHub Actions), its table on stdout, and an error
// with one part per broken limit.
func writeSizes(report sizes.Report, breaches []string) error {
	if err := render.WriteFiles(report, settings.DistIn(".").Root(), settings.ReadCI(os.Getenv).StepSummary); err != nil {
		return err
	}
	if err := render.Table(os.Stdout, report); err != nil {
		return err
	}
	if len(breaches) > 0 {
		return errors.New(strings.Join(breaches, "; "))
	}
	return nil
}

// noEngine says why ci skips smoke: no engine can run the image here. In
// CI (inCI) nothing is skipped, so that a missing engine fails the step.
func noEngine(inCI bool) func() string {
	return func() string {
		if inCI {
			return ""
		}
		want, err := settings.Engine(os.Getenv)
		if err != nil {
			return err.Error()
		}
		if _, err := engine.Choose(want, engine.ThisHost()); err != nil {
			return err.Error()
		}
		return ""
	}
}

// noCredentials says why ci skips push: IMAGE is malformed, or there are
// no credentials for its registry. "" means push runs.
func noCredentials() string {
	cfg, err := settings.Publish(os.Getenv)
	if err != nil {
		return err.Error()
	}
	return publish.NoCredentials(cfg)
}

// nothingToVerify says why ci skips verify: nothing was pushed, or there
// is no key or identity to check against. "" means verify runs.
func nothingToVerify() string {
	if why := noCredentials(); why != "" {
		return "nothing pushed: " + why
	}
	v, err := settings.Verify(os.Getenv)
	if err != nil {
		return err.Error()
	}
	return v.Unset()
}

// testOptions are test's settings of gotest.Run.
func testOptions(race, inCI bool) []gotest.Option {
	dist := settings.DistIn(".")
	return []gotest.Option{gotest.WithRace(race), gotest.WithFresh(inCI), gotest.WithCoverProfile(dist.Coverage()), gotest.WithBinaries(dist.TestBinaries()),
		gotest.WithOutput(os.Stderr), gotest.WithExempt("containers need Linux", containerPackages()...), gotest.WithHistory(gotest.UserHistory()),
		gotest.WithoutRaceWhereLinked(gotest.RaceFreeWhy, gotest.RaceFreeLibraries...), gotest.WithoutInstrumenting(gotest.CompressionWhy, gotest.CompressionLibrary)}
}

// containerPackages are the packages whose tests start containers (runc,
// or a dockerd or podman of their own): off Linux those tests skip, so
// test measures the packages' coverage without holding them to the floor.
func containerPackages() []string {
	if !errors.Is(container.Available(), container.ErrNeedsLinux) {
		return nil
	}
	var exempt []string
	for _, p := range []string{"container", "rootfs", "engine", "testengine", "dev"} {
		exempt = append(exempt, module+"/internal/"+p)
	}
	return exempt
}
