package image

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/base"
	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/platform"
)

// Reusable is the digest of the image out already holds, whole, when it
// was assembled from these very inputs; ok is false when it is to be
// assembled again. inputs is their fingerprint, which ocilayout.Write
// stores beside the image for the next build to compare.
func Reusable(b *base.Base, bins []binary.Artifact, meta Metadata, out ocilayout.Outputs) (inputs string, d v1.Hash, ok bool) {
	inputs = fingerprint(b, bins, meta, out)
	d, ok = ocilayout.Holds(out, inputs)
	return inputs, d, ok
}

// fingerprint is a hash of everything that goes into the image: the
// binaries, the base, the metadata, the outputs' names and the program
// doing the assembly (so a change to the pipeline itself rebuilds).
func fingerprint(b *base.Base, bins []binary.Artifact, meta Metadata, out ocilayout.Outputs) string {
	h := sha256.New()
	fmt.Fprintf(h, "base %s\ncompression %s\n", b.ID, b.Compression())
	for _, b := range bins {
		fmt.Fprintf(h, "bin %s %s\n", platform.Name(b.Platform), b.SHA256)
	}
	ann := meta.Annotations(b)
	keys := make([]string, 0, len(ann))
	for k := range ann {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "meta %s=%s\n", k, ann[k])
	}
	fmt.Fprintf(h, "out %s %s %s\n", out.RefName, strings.Join(out.TarballTags, ","), out.TarballPlatform.String())
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			hashProgram(h, f)
			f.Close()
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// hashProgram writes f's Go build ID to h: a hash of all the binary was
// made from, kept by the linker in an ELF note, so a far cheaper stand-in
// for its contents. Elsewhere (macOS, Windows, a binary linked with
// -buildid=) it writes f's contents.
func hashProgram(h io.Writer, f *os.File) {
	if e, err := elf.NewFile(f); err == nil {
		if sec := e.Section(".note.go.buildid"); sec != nil {
			// The note: name size, ID size, type, "Go\x00\x00", the ID.
			if note, err := sec.Data(); err == nil && len(note) > 16 && string(note[12:16]) == "Go\x00\x00" {
				fmt.Fprintf(h, "program %s\n", note[16:])
				return
			}
		}
	}
	f.Seek(0, io.SeekStart)
	io.Copy(h, f)
}
