package sign

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
)

// WriteFiles writes each bundle to dir (dist/provenance), as
// NAME.sigstore.json, beside the statement it signs, as NAME.intoto.json;
// each is written whole or not at all. Bundles of an earlier push are
// removed: they would be about another image.
func (s Signed) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.sigstore.json"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("removing the stale %s: %w", f, err)
		}
	}
	for _, b := range s.Bundles {
		stem := strings.TrimSuffix(b.Name, ".sigstore.json")
		if err := atomicfile.WriteFile(filepath.Join(dir, stem+".intoto.json"), append(b.Statement, '\n')); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, b.Name), append(b.Data, '\n')); err != nil {
			return err
		}
	}
	return nil
}
