package ocilayout

import (
	"io"
	"os"
	"path/filepath"

	"github.com/lehus1/devops-info-service-go/internal/filelock"
)

// Lock lets one build at a time write the outputs' folder (dist/, with
// its binaries and SBOMs): a second build in the same checkout waits, and
// says why on w, naming the real folder. Holding the lock, it sweeps what a build stopped mid-way
// left there (Sweep). The lock file lives in the user's cache folder, not
// in dist/, which `mage clean` removes; another process's lock dies with it.
func Lock(out Outputs, w io.Writer) (unlock func(), err error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	parent := filelock.Real(filepath.Dir(out.Layout)) // the folder, however reached
	unlock, err = filelock.Lock(filelock.For(filepath.Join(dir, "devops-info-service-go", "locks"), "build", parent), w,
		"another build is writing "+parent+" in this checkout")
	if err != nil {
		return nil, err
	}
	if err := Sweep(out); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}
