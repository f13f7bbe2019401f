// Command release signs and pushes dist/oci, and verifies what was
// pushed: the work of `go tool mage push` and `go tool mage verify`, which
// run it as `go tool release push|verify` (see internal/gotool). It is a
// command of its own so that Sigstore's libraries, gRPC and protobuf are
// compiled when a push or a verify first needs them, not into the magefile
// that every command runs.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/gotool"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/publish"
	"github.com/lehus1/devops-info-service-go/internal/settings"
	"github.com/lehus1/devops-info-service-go/internal/sign"
	"github.com/lehus1/devops-info-service-go/internal/verify"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	gotool.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch strings.Join(args, " ") {
	case "push":
		return push(ctx, getenv, stdout, stderr)
	case "verify":
		return check(ctx, getenv, stdout)
	}
	return fmt.Errorf("usage: go tool release push|verify (got %q)", args)
}

// push is `go tool mage push`'s doc: it reads dist/oci once, signs it
// unless DRY_RUN, writes the signed statements to dist/provenance, and
// pushes the image with what sign attached, as it is in memory.
func push(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := settings.Publish(getenv)
	if err != nil {
		return err
	}
	var how settings.Signing
	if !cfg.DryRun {
		if how, err = settings.Sign(getenv); err != nil {
			return err
		}
	}
	img, err := ocilayout.Load(settings.DistIn(".").Layout())
	if err != nil {
		return err
	}
	if !cfg.DryRun {
		signed, err := sign.Release(ctx, img, sign.Config(how), stderr)
		if err != nil {
			return err
		}
		if err := signed.WriteFiles(settings.DistIn(".").Provenance()); err != nil {
			return err
		}
		img.Artifacts = append(img.Artifacts, signed.Artifacts...)
	}
	return publish.Run(ctx, img, cfg, stdout, stderr)
}

// check is `go tool mage verify`'s doc: every failure is one line.
func check(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	v, err := settings.Verify(getenv)
	if err != nil {
		return err
	}
	policy, err := verify.PolicyFor(v.PublicKey, v.Identity, v.Issuer, v.TrustedRoot)
	if err != nil {
		return err
	}
	out := settings.DistIn(".")
	var img verify.Image
	if v.Registry != nil {
		img, err = verify.FromPush(ctx, *v.Registry, v.Digest, out.Layout())
	} else {
		img, err = verify.FromLayout(out.Layout(), out.Provenance())
	}
	if err != nil {
		return err
	}
	if fails := verify.Check(img, policy); len(fails) > 0 {
		return errors.New(strings.Join(fails, "\n"))
	}
	fmt.Fprintf(stdout, "verified %s: signature, provenance of commit %.12s, %d SBOMs\n", img.Name, img.Commit, len(img.Platforms))
	return nil
}
