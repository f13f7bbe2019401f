package settings

import "path/filepath"

// Dist is where the pipeline writes: a checkout's dist/ folder, the one
// place its paths are spelled.
type Dist struct{ root string }

// DistIn is the dist/ folder of the checkout in dir.
func DistIn(dir string) Dist { return Dist{root: filepath.Join(dir, "dist")} }

// Root is dist/ itself, which clean removes and sizecompare writes its
// reports into.
func (d Dist) Root() string { return d.root }

// Binaries is dist/bin, which holds <os>_<arch>/<binary> per platform.
func (d Dist) Binaries() string { return filepath.Join(d.root, "bin") }

// Layout is dist/oci, build's OCI image layout.
func (d Dist) Layout() string { return filepath.Join(d.root, "oci") }

// Tarball is dist/image.tar, the local platform's `docker load` tarball.
func (d Dist) Tarball() string { return filepath.Join(d.root, "image.tar") }

// SBOMs is dist/sbom, each platform's SBOM and vulncheck's OpenVEX.
func (d Dist) SBOMs() string { return filepath.Join(d.root, "sbom") }

// Provenance is dist/provenance, the statements push signed.
func (d Dist) Provenance() string { return filepath.Join(d.root, "provenance") }

// Coverage is dist/coverage.out, test's merged coverage profile.
func (d Dist) Coverage() string { return filepath.Join(d.root, "coverage.out") }

// TestBinaries is dist/test, where test keeps the test binaries, so that
// the next run links only those whose code changed.
func (d Dist) TestBinaries() string { return filepath.Join(d.root, "test") }
