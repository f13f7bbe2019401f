package render

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/sizes"
)

// Chart geometry, in SVG units.
const (
	chartWidth = 920
	labelWidth = 260
	barWidth   = 470
	barHeight  = 26
	rowGap     = 10
)

// segmentColors are mid-tone, so that white labels read on them and the
// bars read on a light page and on a dark one alike.
var segmentColors = []string{"#2f6fb3", "#3f9a5e", "#b7702a", "#8a55b5", "#b3474f", "#2b8a8a"}

type bar struct {
	label    string
	total    string
	segments []int64
	names    []string // what each segment is, for its tooltip
	approx   bool
}

// SVG draws the report as horizontal bars, one per image, the layers
// stacked and labelled: what a pull transfers, then what it takes on disk.
func SVG(w io.Writer, r sizes.Report) error {
	type group struct {
		title string
		bars  []bar
	}
	var groups []group
	for _, c := range r.Comparisons {
		comp := group{title: c.Platform + ": compressed, what a pull transfers"}
		disk := group{title: c.Platform + ": on disk, unpacked"}
		for _, img := range []sizes.Image{c.Image, c.Baseline} {
			var cs, ds []int64
			var cn, dn []string
			for i, l := range img.Layers {
				name := fmt.Sprintf("layer %d", i+1)
				if l.CreatedBy != "" {
					name += ": " + shorten(l.CreatedBy, 80)
				}
				cs, cn = append(cs, l.Compressed), append(cn, name)
				if l.Uncompressed != nil {
					ds, dn = append(ds, *l.Uncompressed), append(dn, name)
				}
			}
			if img.ConfigBytes != nil {
				cs, cn = append(cs, *img.ConfigBytes), append(cn, "config")
			}
			total := sizes.MB(img.Compressed)
			if img.CompressedEstimated {
				total = "~" + total + " (estimated)"
			}
			comp.bars = append(comp.bars, bar{label: label(img), total: total, segments: cs, names: cn, approx: img.CompressedEstimated})
			if img.Uncompressed != nil {
				if len(ds) != len(img.Layers) { // only a published total
					ds, dn = []int64{*img.Uncompressed}, []string{"all layers (recorded total)"}
				}
				total := sizes.MB(*img.Uncompressed)
				if img.UncompressedApproximate {
					total = "~" + total + " (recorded)"
				}
				disk.bars = append(disk.bars, bar{label: label(img), total: total, segments: ds, names: dn, approx: img.UncompressedApproximate})
			}
		}
		groups = append(groups, comp)
		if len(disk.bars) > 0 {
			groups = append(groups, disk)
		}
	}
	height := 20
	for _, g := range groups {
		height += 28 + len(g.bars)*(barHeight+rowGap) + 8
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="13">`+"\n", chartWidth, height, chartWidth, height)
	// Text is a mid grey that reads on white and on near-black alike, for
	// viewers that ignore prefers-color-scheme; those that honour it get
	// higher contrast.
	b.WriteString(`<style>.t,.s{fill:#6e7681}.seg{stroke:#6e7681;stroke-width:0.5}.in{fill:#ffffff;font-size:11px}` +
		`@media (prefers-color-scheme:light){.t{fill:#1f2328}.s{fill:#59636e}}` +
		`@media (prefers-color-scheme:dark){.t{fill:#e6edf3}.s{fill:#9198a1}}</style>` + "\n")
	y := 20
	for _, g := range groups {
		fmt.Fprintf(&b, `<text class="t" x="8" y="%d" font-weight="600">%s</text>`+"\n", y+4, html.EscapeString(g.title))
		y += 20
		var max int64
		for _, br := range g.bars {
			if s := sum(br.segments); s > max {
				max = s
			}
		}
		for _, br := range g.bars {
			fmt.Fprintf(&b, `<text class="t" x="8" y="%d">%s</text>`+"\n", y+barHeight/2+5, html.EscapeString(shorten(br.label, 36)))
			x := float64(labelWidth)
			for i, s := range br.segments {
				wpx := float64(barWidth) * float64(s) / float64(max)
				// An approximate bar is hatched by a dashed outline; its
				// colour stays full, so the label on it keeps its contrast.
				dash := ""
				if br.approx {
					dash = ` stroke-dasharray="5 3" stroke-width="2"`
				}
				fmt.Fprintf(&b, `<rect class="seg" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"%s><title>%s: %s B</title></rect>`+"\n",
					x, y, wpx, barHeight, segmentColors[i%len(segmentColors)], dash, html.EscapeString(br.names[i]), bytesExact(s))
				if wpx > 64 {
					fmt.Fprintf(&b, `<text class="in" x="%.1f" y="%d">%s</text>`+"\n", x+5, y+barHeight/2+4, sizes.MB(s))
				}
				x += wpx
			}
			fmt.Fprintf(&b, `<text class="s" x="%.1f" y="%d">%s</text>`+"\n", x+8, y+barHeight/2+5, html.EscapeString(br.total))
			y += barHeight + rowGap
		}
		y += 8
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func sum(xs []int64) int64 {
	var t int64
	for _, x := range xs {
		t += x
	}
	return t
}
