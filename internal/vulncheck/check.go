package vulncheck

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
)

// Check scans the packages ./... of the module in dir and each of
// binaries against db, writes each scan's OpenVEX document to outDir (as
// source.openvex.json, and <folder>.openvex.json for a binary in
// dist/bin/<folder>/, beside that platform's SBOM), and returns the
// vulnerabilities reached, one line each. log gets a line per scan.
func Check(ctx context.Context, dir, db string, binaries []string, outDir string, log io.Writer) ([]Finding, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("writing %s: %w", outDir, err)
	}
	var all []Finding
	scans := append([]string{""}, binaries...)
	for _, bin := range scans {
		start := time.Now()
		var r Result
		var err error
		name := "source"
		if bin == "" {
			r, err = Source(ctx, dir, db, "./...")
		} else {
			r, err = Binary(ctx, bin, db)
			name = filepath.Base(filepath.Dir(bin))
		}
		if err != nil {
			return nil, err
		}
		vex, err := r.OpenVEX(ctx)
		if err != nil {
			return nil, err
		}
		file := filepath.Join(outDir, name+".openvex.json")
		if err := atomicfile.WriteFile(file, vex); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "vulncheck %s in %.1fs: %d reached; %s\n", r.Target, time.Since(start).Seconds(), len(r.Findings), file)
		all = append(all, r.Findings...)
	}
	return all, nil
}

// Verdict writes a line per finding to w and fails when one is reached.
func Verdict(found []Finding, w io.Writer) error {
	n := 0
	for _, f := range found {
		fmt.Fprintln(w, f)
		if f.Reached {
			n++
		}
	}
	if n > 0 {
		return fmt.Errorf("vulncheck: the code reaches %d known vulnerabilities: upgrade to the fixed versions above", n)
	}
	fmt.Fprintf(w, "vulncheck: no known vulnerability is reached (%d listed in stripped binaries)\n", len(found))
	return nil
}
