package ocilayout

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Built is nil when dir holds a layout, and otherwise says in one line
// that there is no image yet and how to make one: a newcomer's first
// push, run, smoke or sizecompare before any build is no damage.
func Built(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "index.json")); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no image in %s yet: run `go tool mage build` first", dir)
	}
	return nil
}
