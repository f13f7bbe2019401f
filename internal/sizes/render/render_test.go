package render

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/sizes"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

func n(v int64) *int64 { return &v }

// note is as long as a recorded baseline's, digests and sources and all.
var note = "recorded" + strings.Repeat(" sha256:0123456789abcdef0123456789abcdef from https://example.test/figures", 12)

const warning = "baseline python:3.13-slim: recorded figures, not measured: registry unreachable; log in to 127.0.0.1:5000 or set BASELINE_STRICT=1"

// sample is a measured image against a recorded baseline: a broken limit,
// a warning, and a note long enough to wrap.
func sample() sizes.Report {
	ratio := 92.4
	img := sizes.Image{Name: "oci:dist/<oci>", Platform: "linux/amd64", Origin: "oci-layout", Compressed: 888, ConfigBytes: n(300),
		Uncompressed: n(1_487_000), TarBytes: n(1_490_000), Wasted: n(350), Layers: []sizes.Layer{
			{Digest: "sha256:aa", Compressed: 208, Uncompressed: n(1_357_000), Wasted: n(350), CreatedBy: "/bin/sh ADD rootfs.tar /"},
			{Digest: "sha256:bb", Compressed: 380, Uncompressed: n(130_000), Wasted: n(0), CreatedBy: strings.Repeat("RUN a very long step ", 10)},
		}}
	base := sizes.Image{Name: "python:3.13-slim", Platform: "linux/amd64", Origin: "recorded", Note: note, Compressed: 42_961_458,
		Uncompressed: n(137_400_000), UncompressedApproximate: true, Layers: []sizes.Layer{
			{Digest: "sha256:cc", Compressed: 29_000_000}, {Digest: "sha256:dd", Compressed: 3_500_000},
			{Digest: "sha256:ee", Compressed: 10_400_000}, {Digest: "sha256:ff", Compressed: 61_458},
		}}
	return sizes.Report{Schema: 1, Limits: sizes.Limits{MaxCompressed: 500},
		Comparisons: []sizes.Comparison{{Platform: "linux/amd64", Image: img, Baseline: base, CompressedRatio: 48380.0, UncompressedRatio: &ratio}},
		Breaches:    []string{"MAX_SIZE: the linux/amd64 image is 0.0 MB compressed, over the limit of 0.0 MB"},
		Warnings:    []string{warning},
	}
}

// estimated is an image read from a docker save archive against one whose
// layers were not read (Manifests depth).
func estimated() sizes.Report {
	img := sizes.Image{Name: "docker-archive:save.tar", Compressed: 888, CompressedEstimated: true, Uncompressed: n(487), Wasted: n(0),
		Layers: []sizes.Layer{{Compressed: 888, Uncompressed: n(487), Wasted: n(0)}}}
	base := sizes.Image{Name: "oci:base", Compressed: 888, Layers: []sizes.Layer{{Compressed: 888}}}
	return sizes.Report{Schema: 1, Comparisons: []sizes.Comparison{{Platform: "linux/arm64", Image: img, Baseline: base, CompressedRatio: 1}}}
}

func TestTextOutputs(t *testing.T) {
	tests := []struct {
		name   string
		write  func(io.Writer, sizes.Report) error
		r      sizes.Report
		want   []string
		absent []string
	}{
		{"table", Table, sample(), []string{
			"linux/amd64", "image: oci:dist/<oci>", "baseline: python:3.13-slim (recorded)",
			"compressed (pull)       0.0 MB (888 B)", "43.0 MB (42,961,458 B)", "48380.0x smaller",
			"on disk", "1.5 MB (1,487,000 B)", "~137.4 MB (approx.)", "~92.4x smaller",
			"wasted by later layers  0.0 MB (350 B)", "not measured",
			"layers of python:3.13-slim (recorded), linux/amd64:", "29,000,000", "/bin/sh ADD rootfs.tar /", "RUN a very long step RUN a very long step", "…",
			"\n  note: recorded sha256:", "\nlimit broken: MAX_SIZE", "\nwarning: baseline python:3.13-slim",
		}, []string{"\r"}},
		{"table, estimated and unmeasured", Table, estimated(), []string{
			"~0.0 MB (888 B) (estimated)", "~1.0x smaller", "not measured", "  1         888      487       0 -\n", "  1         888        -       - -\n",
		}, []string{"limit broken", "warning"}},
		{"markdown", Markdown, sample(), []string{
			"## Image size\n", "\n> [!WARNING]\n> " + warning + "\n", "\n### linux/amd64\n\n",
			"| | image: `oci:dist/<oci>` | baseline: `python:3.13-slim (recorded)` | the image is |\n|---|---:|---:|---|\n",
			"| compressed (pull) | 0.0 MB (888 B) | 43.0 MB (42,961,458 B) | **48380.0x smaller** |\n",
			"| on disk | 1.5 MB (1,487,000 B) | ~137.4 MB (approx.) | ~92.4x smaller |\n",
			"| layers | 2 | 4 | |\n", "| wasted by later layers | 0.0 MB (350 B) | not measured | |\n",
			"\n> python:3.13-slim (recorded): " + note + "\n", "\n**Limits broken:**\n- MAX_SIZE: ",
		}, nil},
		{"markdown, estimated and unmeasured", Markdown, estimated(), []string{
			"| compressed (pull) | ~0.0 MB (888 B) (estimated) | 0.0 MB (888 B) | **~1.0x smaller** |\n", "| on disk | 0.0 MB (487 B) | not measured | - |\n",
		}, []string{"WARNING", "Limits broken"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.write(&b, tt.r); err != nil {
				t.Fatal(err)
			}
			testenv.Contains(t, tt.name+"()", b.String(), tt.want, tt.absent)
		})
	}
}

// The table prints each warning once, and wraps notes and warnings that a
// terminal would otherwise fold (a recorded baseline's note ran to 900
// characters).
func TestTableWrapsNotesAndWarnings(t *testing.T) {
	var b strings.Builder
	Table(&b, sample())
	words := strings.Join(strings.Fields(b.String()), " ")
	if got := strings.Count(words, "warning: "+warning); got != 1 {
		t.Errorf("Table() has the warning %d times, want once:\n%s", got, b.String())
	}
	if !strings.Contains(words, "note: "+strings.Join(strings.Fields(note), " ")) {
		t.Errorf("Table() lacks the whole note:\n%s", b.String())
	}
	para, lines := false, 0
	for _, line := range strings.Split(b.String(), "\n") {
		para = strings.HasPrefix(line, "  note: ") || strings.HasPrefix(line, "warning: ") || para && strings.HasPrefix(line, "        ")
		if para {
			lines++
			if len(line) > tableWidth+len("sha256:0123456789abcdef0123456789abcdef") {
				t.Errorf("Table() wrote a note or warning line of %d characters, want about %d: %q", len(line), tableWidth, line)
			}
		}
	}
	if lines < 10 {
		t.Errorf("Table() wrote the note and the warning in %d lines, want them wrapped into more", lines)
	}
}

func TestSVG(t *testing.T) {
	var b bytes.Buffer
	if err := SVG(&b, sample()); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	// Compressed: the image's 2 layers and config, the baseline's 4 layers;
	// on disk: the image's 2 layers, the baseline's one recorded total.
	if got := strings.Count(svg, "<rect"); got != 3+4+2+1 {
		t.Errorf("SVG() has %d segments, want 10", got)
	}
	for _, want := range []string{"<svg xmlns=", "linux/amd64: compressed, what a pull transfers", "linux/amd64: on disk, unpacked",
		"oci:dist/&lt;oci&gt;", "all layers (recorded total)", `stroke-dasharray="5 3"`, "~137.4 MB (recorded)", "layer 1: /bin/sh ADD rootfs.tar /: 208 B", "</svg>\n"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG() lacks %q", want)
		}
	}
	if strings.Contains(svg, "<oci>") {
		t.Errorf("SVG() has a name unescaped: %q", "<oci>")
	}
}

func TestWriteFiles(t *testing.T) {
	r := sample()
	out := filepath.Join(t.TempDir(), "dist")
	summary := filepath.Join(t.TempDir(), "summary.md")
	os.WriteFile(summary, []byte("earlier step\n"), 0o644)
	if err := WriteFiles(r, out, summary); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "sizecompare.json sizecompare.md sizecompare.svg" {
		t.Errorf("WriteFiles() left %q, want the three files and nothing else", got)
	}
	js, _ := os.ReadFile(filepath.Join(out, "sizecompare.json"))
	var back sizes.Report
	if err := json.Unmarshal(js, &back); err != nil || back.Warnings[0] != warning || back.Breaches[0] != r.Breaches[0] || *back.Comparisons[0].Image.Wasted != 350 {
		t.Errorf("sizecompare.json = %s, %v; want the report", js, err)
	}
	if !bytes.Contains(js, []byte(`  "schema": 1,`)) || !bytes.Contains(js, []byte(`"max_compressed_bytes": 500`)) {
		t.Errorf("sizecompare.json = %s, want it indented, schema 1 and the limits", js)
	}
	var md, svg bytes.Buffer
	Markdown(&md, r)
	SVG(&svg, r)
	for file, want := range map[string][]byte{"sizecompare.md": md.Bytes(), "sizecompare.svg": svg.Bytes()} {
		if got, _ := os.ReadFile(filepath.Join(out, file)); !bytes.Equal(got, want) {
			t.Errorf("%s = %q, want what %s writes", file, got, strings.TrimPrefix(filepath.Ext(file), "."))
		}
	}
	if got, _ := os.ReadFile(summary); string(got) != "earlier step\n"+md.String() {
		t.Errorf("GITHUB_STEP_SUMMARY = %q, want the Markdown appended to what was there", got)
	}
	if err := WriteFiles(r, out, ""); err != nil {
		t.Errorf("WriteFiles(no summary) = %v", err)
	}
	if err := WriteFiles(r, out, t.TempDir()); err == nil || !strings.Contains(err.Error(), "appending to GITHUB_STEP_SUMMARY") {
		t.Errorf("WriteFiles(summary a folder) = %v, want an error naming GITHUB_STEP_SUMMARY", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if err := WriteFiles(r, filepath.Join(file, "dist"), ""); err == nil || !strings.Contains(err.Error(), "writing the report") {
		t.Errorf("WriteFiles(under a file) = %v, want an error saying it was writing the report", err)
	}
}
