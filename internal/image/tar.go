package image

import (
	"archive/tar"
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"
)

// file is one entry of a layer we make ourselves.
type file struct {
	name     string // relative, slash-separated, no trailing slash
	typ      byte   // tar.TypeDir, tar.TypeReg or tar.TypeSymlink
	mode     int64
	uid, gid int
	data     []byte
	linkname string
}

// makeTar writes files in name order with the given modification time and
// no user or group names, so the same files always give the same bytes:
// nothing of the machine, the clock or the order of a map gets in.
func makeTar(files []file, mtime time.Time) ([]byte, error) {
	sorted := append([]file(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range sorted {
		// A name is written as given, slash-separated on every OS: one made
		// with filepath on Windows would carry backslashes into the layer.
		if f.name == "" || strings.HasPrefix(f.name, "/") || strings.HasSuffix(f.name, "/") || strings.Contains(f.name, `\`) {
			return nil, fmt.Errorf("tar entry %q: want a relative, slash-separated name without trailing slash", f.name)
		}
		name := f.name
		if f.typ == tar.TypeDir {
			name += "/"
		}
		hdr := &tar.Header{
			Typeflag: f.typ,
			Name:     name,
			Linkname: f.linkname,
			Mode:     f.mode,
			Uid:      f.uid,
			Gid:      f.gid,
			Size:     int64(len(f.data)),
			ModTime:  mtime.UTC().Truncate(time.Second),
			Format:   tar.FormatPAX,
		}
		if f.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("tar entry %q: %w", f.name, err)
		}
		if f.typ == tar.TypeReg {
			if _, err := tw.Write(f.data); err != nil {
				return nil, fmt.Errorf("tar entry %q: %w", f.name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
