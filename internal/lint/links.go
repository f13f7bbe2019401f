package lint

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

var (
	// inlineLink is [text](target) or ![alt](target "title"); the target
	// is the first group.
	inlineLink = regexp.MustCompile(`\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// refDef is a reference definition, [label]: target.
	refDef = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s+<?([^\s>]+)>?`)
	// codeSpan is inline code, whose brackets are not links.
	codeSpan = regexp.MustCompile("`+[^`]*`+")
	// htmlAnchor is an anchor a document makes by hand.
	htmlAnchor = regexp.MustCompile(`<a\s+(?:name|id)="([^"]+)"`)
	// scheme starts an absolute URL (https:, mailto:), which the check leaves alone.
	scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

// link is one relative link of a document.
type link struct {
	line   int
	target string
}

// linksCheck finds the relative links in the Markdown documents that lead
// nowhere: to a file or folder that is not there, or to a #fragment that
// no heading of the Markdown file it names makes, as GitHub makes them.
// Absolute URLs are not followed; links in code are not links.
func linksCheck(_ context.Context, dir string, o options) (string, error) {
	var docs []string
	for _, glob := range o.docs {
		found, err := filepath.Glob(filepath.Join(dir, glob))
		if err != nil {
			return "", fmt.Errorf("listing the documents %q: %w", glob, err)
		}
		docs = append(docs, found...)
	}
	anchors := map[string]map[string]bool{} // by file, read once
	var findings []string
	for _, doc := range docs {
		links, err := readLinks(doc)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, doc)
		for _, l := range links {
			if why := resolve(dir, doc, l.target, anchors); why != "" {
				findings = append(findings, fmt.Sprintf("%s:%d: %s → %s", filepath.ToSlash(rel), l.line, l.target, why))
			}
		}
	}
	return strings.Join(findings, "\n"), nil
}

// resolve says what is missing for target, a link in doc; "" when nothing is.
func resolve(root, doc, target string, anchors map[string]map[string]bool) string {
	p, fragment, _ := strings.Cut(target, "#")
	p, err := url.PathUnescape(p)
	if err != nil {
		return "not a valid path: " + err.Error()
	}
	file := doc
	if p != "" {
		base := filepath.Dir(doc)
		if strings.HasPrefix(p, "/") { // GitHub reads /x from the repository's root
			base = root
		}
		file = filepath.Join(base, filepath.FromSlash(p))
	}
	rel, _ := filepath.Rel(root, file)
	if _, err := os.Stat(file); err != nil {
		return "no such file or folder " + filepath.ToSlash(rel)
	}
	if fragment == "" || !strings.HasSuffix(file, ".md") {
		return ""
	}
	if anchors[file] == nil {
		a, err := readAnchors(file)
		if err != nil {
			return err.Error()
		}
		anchors[file] = a
	}
	if !anchors[file][strings.ToLower(fragment)] {
		return "no heading #" + fragment + " in " + filepath.ToSlash(rel)
	}
	return ""
}

// readLinks lists the relative links in the Markdown file, outside code.
func readLinks(file string) ([]link, error) {
	var links []link
	err := eachLine(file, func(n int, line string) {
		line = codeSpan.ReplaceAllString(line, "")
		var targets []string
		if m := refDef.FindStringSubmatch(line); m != nil {
			targets = append(targets, m[1])
		}
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			targets = append(targets, m[1])
		}
		for _, t := range targets {
			if t != "" && !scheme.MatchString(t) {
				links = append(links, link{n, t})
			}
		}
	})
	return links, err
}

// readAnchors lists the fragments the Markdown file's headings make (and
// its hand-made <a id> anchors), lower case.
func readAnchors(file string) (map[string]bool, error) {
	anchors := map[string]bool{}
	seen := map[string]int{}
	err := eachLine(file, func(_ int, line string) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			anchors[strings.ToLower(m[1])] = true
		}
		text, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " ")
		if !ok || !strings.HasPrefix(line, "#") || len(line)-len(strings.TrimLeft(line, "#")) > 6 {
			return
		}
		s := slug(text)
		if n := seen[s]; n > 0 { // a repeated heading gets -1, -2, …
			anchors[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			anchors[s] = true
		}
		seen[s]++
	})
	return anchors, err
}

// slug is the fragment GitHub makes for a heading: its text without
// markup, lower case, with the punctuation dropped and spaces turned into
// hyphens ("`go tool mage ci`: the pipeline" → "go-tool-mage-ci-the-pipeline").
func slug(heading string) string {
	heading = inlineLinkText.ReplaceAllString(heading, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// inlineLinkText is a link in a heading, whose text is what the slug keeps.
var inlineLinkText = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)

// eachLine calls f with each line of the Markdown file outside fenced
// code blocks, numbered from 1.
func eachLine(file string, f func(n int, line string)) error {
	r, err := os.Open(file)
	if err != nil {
		return err
	}
	defer r.Close()
	s := bufio.NewScanner(r)
	s.Buffer(nil, 1<<20)
	fence := ""
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		trimmed := strings.TrimLeft(line, " ")
		marker := fenceMarker(trimmed)
		switch {
		case fence == "" && marker != "":
			fence = marker // opens a code block
		case fence != "":
			// closes it: a run of the same character, at least as long, alone
			if strings.HasPrefix(marker, fence) && strings.TrimSpace(trimmed[len(marker):]) == "" {
				fence = ""
			}
		default:
			f(n, line)
		}
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", file, err)
	}
	return nil
}

// fenceMarker is the ``` or ~~~ run that opens or closes a code block.
func fenceMarker(line string) string {
	for _, c := range []string{"`", "~"} {
		n := len(line) - len(strings.TrimLeft(line, c))
		if n >= 3 {
			return strings.Repeat(c, n)
		}
	}
	return ""
}
