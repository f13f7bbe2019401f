package sign

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteFiles writes each bundle to dir (dist/provenance), as NAME.sigstore.json,
// beside the statement it signs, as NAME.intoto.json; each file goes under a
// temporary name first, so none is ever half-written. Bundles of an
// earlier push are removed: they would be about another image.
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
		if err := writeFile(filepath.Join(dir, stem+".intoto.json"), append(b.Statement, '\n')); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, b.Name), append(b.Data, '\n')); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
