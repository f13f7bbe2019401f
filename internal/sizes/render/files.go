package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lehus1/devops-info-service-go/internal/atomicfile"
	"github.com/lehus1/devops-info-service-go/internal/sizes"
)

// WriteFiles writes the report into dir as sizecompare.json, .md and .svg,
// each under a temporary name first; with summary set (GITHUB_STEP_SUMMARY)
// the Markdown is appended there too.
func WriteFiles(r sizes.Report, dir, summary string) error {
	var js, md, svg bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	if err := Markdown(&md, r); err != nil {
		return err
	}
	if err := SVG(&svg, r); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	for name, data := range map[string][]byte{"sizecompare.json": js.Bytes(), "sizecompare.md": md.Bytes(), "sizecompare.svg": svg.Bytes()} {
		if err := atomicfile.WriteFile(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	if summary != "" {
		f, err := os.OpenFile(summary, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("appending to GITHUB_STEP_SUMMARY: %w", err)
		}
		_, err = f.Write(md.Bytes())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("appending to GITHUB_STEP_SUMMARY: %w", err)
		}
	}
	return nil
}
