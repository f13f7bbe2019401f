// Package render writes a size report for its readers: a table for a
// terminal, Markdown for a job summary or a pull request, an SVG chart,
// and the three files of dist/sizecompare.*.
package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lehus1/devops-info-service-go/internal/sizes"
)

// bytesExact writes n with thousands separators: 42,961,458.
func bytesExact(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func onDisk(img sizes.Image) string {
	if img.Uncompressed == nil && img.Origin == "recorded" {
		return "not recorded"
	}
	if img.Uncompressed == nil {
		return "not measured"
	}
	if img.UncompressedApproximate {
		return "~" + sizes.MB(*img.Uncompressed) + " (approx.)"
	}
	return sizes.MB(*img.Uncompressed) + " (" + bytesExact(*img.Uncompressed) + " B)"
}

func wasted(img sizes.Image) string {
	if img.Wasted == nil {
		return "not measured"
	}
	return sizes.MB(*img.Wasted) + " (" + bytesExact(*img.Wasted) + " B)"
}

// ratio writes how many times smaller; approx marks a figure that rests on
// an approximate or estimated size.
func ratio(r *float64, approx bool) string {
	if r == nil {
		return "-"
	}
	s := fmt.Sprintf("%.1fx smaller", *r)
	if approx {
		s = "~" + s
	}
	return s
}

func compressed(img sizes.Image) string {
	s := sizes.MB(img.Compressed) + " (" + bytesExact(img.Compressed) + " B)"
	if img.CompressedEstimated {
		s = "~" + s + " (estimated)"
	}
	return s
}

func label(img sizes.Image) string {
	if img.Origin == "recorded" {
		return img.Name + " (recorded)"
	}
	return img.Name
}

// rows are the figures of one comparison, as the table and the Markdown
// show them: what, the image's, the baseline's, and how many times smaller
// the image is (or "" where no ratio is given); compressed first.
func rows(c sizes.Comparison) [][4]string {
	cr := c.CompressedRatio
	return [][4]string{
		{"compressed (pull)", compressed(c.Image), compressed(c.Baseline), ratio(&cr, c.Image.CompressedEstimated || c.Baseline.CompressedEstimated)},
		{"on disk", onDisk(c.Image), onDisk(c.Baseline), ratio(c.UncompressedRatio, c.Image.UncompressedApproximate || c.Baseline.UncompressedApproximate)},
		{"layers", strconv.Itoa(len(c.Image.Layers)), strconv.Itoa(len(c.Baseline.Layers)), ""},
		{"wasted by later layers", wasted(c.Image), wasted(c.Baseline), ""},
	}
}

// tableWidth is how wide the table's notes and warnings are wrapped: a
// recorded baseline's note, with its digests and sources, ran to 900
// characters on one line.
const tableWidth = 100

// wrap writes text after prefix, in lines of at most tableWidth where its
// words allow, each after the first indented as far as prefix.
func wrap(w io.Writer, prefix, text string) {
	line := prefix
	for i, word := range strings.Fields(text) {
		switch {
		case i == 0:
			line += word
		case len(line)+1+len(word) > tableWidth:
			fmt.Fprintln(w, line)
			line = strings.Repeat(" ", len(prefix)) + word
		default:
			line += " " + word
		}
	}
	fmt.Fprintln(w, line)
}

// Table writes the report for a person reading a terminal.
func Table(w io.Writer, r sizes.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, c := range r.Comparisons {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s\timage: %s\tbaseline: %s\tthe image is\n", c.Platform, label(c.Image), label(c.Baseline))
		for _, row := range rows(c) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row[0], row[1], row[2], row[3])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range r.Comparisons {
		for _, img := range []sizes.Image{c.Image, c.Baseline} {
			fmt.Fprintf(w, "\nlayers of %s, %s:\n", label(img), c.Platform)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(tw, "  #\tcompressed\ton disk\twasted\t %s\n", "made by")
			for i, l := range img.Layers {
				fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t %s\n", i+1, bytesExact(l.Compressed), optBytes(l.Uncompressed), optBytes(l.Wasted), shorten(l.CreatedBy, 70))
			}
			tw.Flush()
			if img.Note != "" {
				wrap(w, "  note: ", img.Note)
			}
		}
	}
	for _, b := range r.Breaches {
		fmt.Fprintf(w, "\nlimit broken: %s\n", b)
	}
	for _, warning := range r.Warnings {
		fmt.Fprintln(w)
		wrap(w, "warning: ", warning)
	}
	return nil
}

func optBytes(n *int64) string {
	if n == nil {
		return "-"
	}
	return bytesExact(*n)
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

// Markdown writes the report as GitHub-flavoured Markdown, for a job
// summary or a pull request.
func Markdown(w io.Writer, r sizes.Report) error {
	fmt.Fprintln(w, "## Image size")
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "\n> [!WARNING]\n> %s\n", warning)
	}
	for _, c := range r.Comparisons {
		fmt.Fprintf(w, "\n### %s\n\n", c.Platform)
		fmt.Fprintf(w, "| | image: `%s` | baseline: `%s` | the image is |\n|---|---:|---:|---|\n", label(c.Image), label(c.Baseline))
		for i, row := range rows(c) {
			verdict := " "
			switch {
			case i == 0: // what a pull costs is the figure that matters
				verdict = " **" + row[3] + "** "
			case row[3] != "":
				verdict = " " + row[3] + " "
			}
			fmt.Fprintf(w, "| %s | %s | %s |%s|\n", row[0], row[1], row[2], verdict)
		}
		for _, img := range []sizes.Image{c.Image, c.Baseline} {
			if img.Note != "" {
				fmt.Fprintf(w, "\n> %s: %s\n", label(img), img.Note)
			}
		}
	}
	if len(r.Breaches) > 0 {
		fmt.Fprintln(w, "\n**Limits broken:**")
		for _, b := range r.Breaches {
			fmt.Fprintf(w, "- %s\n", b)
		}
	}
	return nil
}
