package layer

import (
	"archive/tar"
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"
)

// File is one entry of a layer we make ourselves.
type File struct {
	Name     string // relative, slash-separated, no trailing slash
	Type     byte   // tar.TypeDir, tar.TypeReg or tar.TypeSymlink
	Mode     int64
	UID, GID int
	Data     []byte
	Linkname string
}

// Tar writes files in name order with the given modification time and
// no user or group names, so the same files always give the same bytes:
// nothing of the machine, the clock or the order of a map gets in.
func Tar(files []File, mtime time.Time) ([]byte, error) {
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var buf bytes.Buffer
	buf.Grow(tarSize(sorted))
	tw := tar.NewWriter(&buf)
	for _, f := range sorted {
		// A name is written as given, slash-separated on every OS: one made
		// with filepath on Windows would carry backslashes into the layer.
		if f.Name == "" || strings.HasPrefix(f.Name, "/") || strings.HasSuffix(f.Name, "/") || strings.Contains(f.Name, `\`) {
			return nil, fmt.Errorf("tar entry %q: want a relative, slash-separated name without trailing slash", f.Name)
		}
		name := f.Name
		if f.Type == tar.TypeDir {
			name += "/"
		}
		hdr := &tar.Header{
			Typeflag: f.Type,
			Name:     name,
			Linkname: f.Linkname,
			Mode:     f.Mode,
			Uid:      f.UID,
			Gid:      f.GID,
			Size:     int64(len(f.Data)),
			ModTime:  mtime.UTC().Truncate(time.Second),
			Format:   tar.FormatPAX,
		}
		if f.Type != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("tar entry %q: %w", f.Name, err)
		}
		if f.Type == tar.TypeReg {
			if _, err := tw.Write(f.Data); err != nil {
				return nil, fmt.Errorf("tar entry %q: %w", f.Name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// tarSize is about the size of the tar of files, a little over: each
// entry's header (a block, and as many again for PAX records), its data
// padded to a block, then the two blocks that end the archive. The
// buffer is then grown once, not doubled and copied a dozen times over a
// binary's megabytes.
func tarSize(files []File) int {
	const block = 512
	n := 2 * block
	for _, f := range files {
		n += 4*block + (len(f.Data)+block-1)/block*block
	}
	return n
}
