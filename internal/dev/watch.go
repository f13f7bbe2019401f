package dev

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher watches a folder tree of Go source and a module's go.mod and
// go.sum, and sends on changes once a burst of saves has been quiet for a
// while: editors write several files, and temporaries, per save. At most
// one change waits to be taken; it carries the time of the burst's first
// save.
type watcher struct {
	fs      *fsnotify.Watcher
	root    string // the tree of source, such as app/
	module  string // the folder of go.mod and go.sum
	quiet   time.Duration
	logs    io.Writer
	dirs    map[string]string // the folders watched, to their resolved paths; the loop's alone once it runs
	changes chan time.Time
	done    chan struct{}
}

// watch starts watching root recursively, and go.mod and go.sum in
// module. fsnotify watches one folder at a time: each subfolder is added,
// and each new one as it appears.
func watch(root, module string, quiet time.Duration, logs io.Writer) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watching %s: %w", root, err)
	}
	w := &watcher{fs: fw, root: filepath.Clean(root), module: filepath.Clean(module), quiet: quiet, logs: logs,
		dirs: map[string]string{}, changes: make(chan time.Time, 1), done: make(chan struct{})}
	if err := fw.Add(w.module); err != nil {
		fw.Close()
		return nil, fmt.Errorf("watching %s: %w", w.module, err)
	}
	if _, err := w.addTree(w.root); err != nil {
		fw.Close()
		return nil, err
	}
	go w.loop()
	return w, nil
}

// Close stops watching.
func (w *watcher) Close() error {
	err := w.fs.Close()
	<-w.done
	return err
}

// addTree watches dir and the folders under it that go build reads,
// through links too, and reports whether they already hold Go source.
func (w *watcher) addTree(dir string) (bool, error) {
	found := false
	// The separator has WalkDir read dir through a link.
	err := filepath.WalkDir(dir+string(filepath.Separator), func(path string, d fs.DirEntry, err error) error {
		path = filepath.Clean(path)
		if err != nil {
			if path != dir && os.IsNotExist(err) {
				return nil // gone meanwhile
			}
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 && !ignoredDir(d.Name()) {
			// go build reads a folder linked into the tree through the link.
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				f, err := w.addTree(path)
				found = found || f
				return err
			}
		}
		if !d.IsDir() {
			found = found || goSource(d.Name())
			return nil
		}
		if path != dir && ignoredDir(d.Name()) {
			return filepath.SkipDir
		}
		real, err := filepath.EvalSymlinks(path)
		if err != nil || w.watching(real) {
			return filepath.SkipDir // gone meanwhile, or reached by a link already
		}
		if err := w.fs.Add(path); err != nil {
			return err
		}
		w.dirs[path] = real
		return nil
	})
	if err != nil {
		return found, fmt.Errorf("watching %s: %w", dir, err)
	}
	return found, nil
}

// watching says whether the folder at real, a resolved path, is watched
// already, or holds one that is (a link up the tree): either way, it is
// not to be walked again.
func (w *watcher) watching(real string) bool {
	for _, r := range w.dirs {
		if r == real || strings.HasPrefix(r, real+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func (w *watcher) loop() {
	defer close(w.done)
	var first time.Time
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if w.relevant(ev) {
				if first.IsZero() {
					first = time.Now()
				}
				timer.Reset(w.quiet)
			}
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			// Such as an overflow of the kernel's queue: a change may have
			// been missed, so rebuild to be sure.
			fmt.Fprintf(w.logs, "dev: watching %s: %v\n", w.root, err)
			if first.IsZero() {
				first = time.Now()
			}
			timer.Reset(w.quiet)
		case <-timer.C:
			select {
			case w.changes <- first:
			default: // one is waiting already, and its build will see this too
			}
			first = time.Time{}
		}
	}
}

// relevant says whether ev changes what the binary is built from; a new
// folder in the tree is watched from now on.
func (w *watcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	if ev.Has(fsnotify.Rename) || ev.Has(fsnotify.Remove) {
		// A folder renamed out of the tree, or to a name go build skips,
		// takes its source out of the build without an event for each
		// file; the watches on it and under it would go on reporting its
		// files, now elsewhere, under their old names.
		if w.forget(ev.Name) {
			return true
		}
	}
	dir, name := filepath.Split(ev.Name)
	dir = filepath.Clean(dir)
	if dir == w.module && (name == "go.mod" || name == "go.sum") {
		return true
	}
	// app/ itself made again (rm -r app, git checkout app) is watched
	// again, as a new folder in it is.
	if ev.Has(fsnotify.Create) && (ev.Name == w.root || w.inTree(dir) && !ignoredDir(name)) {
		if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() { // a link to a folder too
			// Files written into it before it was watched were missed: it
			// is a change when it already holds source.
			found, err := w.addTree(ev.Name)
			if err != nil {
				fmt.Fprintf(w.logs, "dev: %v\n", err)
			}
			return found
		}
	}
	return w.inTree(dir) && goSource(name)
}

// forget stops watching dir and the folders under it, and reports whether
// it was watched.
func (w *watcher) forget(dir string) bool {
	found := false
	for d := range w.dirs {
		if d == dir || strings.HasPrefix(d, dir+string(filepath.Separator)) {
			delete(w.dirs, d)
			w.fs.Remove(d) // gone already, when it was removed
			found = true
		}
	}
	return found
}

func (w *watcher) inTree(dir string) bool {
	rel, err := filepath.Rel(w.root, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// goSource says whether a file of this name goes into the binary: a .go
// file that is not a test, nor one go build or an editor hides (".#x.go",
// "_x.go"); editors' temporaries ("x.go~", "x.go.swp", "#x.go#",
// "x.go___jb_tmp___", "4913") end otherwise.
func goSource(name string) bool {
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") &&
		!strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "_") && !strings.HasPrefix(name, "#")
}

// ignoredDir says whether go build skips a folder of this name.
func ignoredDir(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}
