package lint

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// docsTree is a module with a README, a docs/ folder and a script, for
// the link check, with files written over them.
func docsTree(t *testing.T, files map[string]string) string {
	t.Helper()
	tree := map[string]string{
		"docs/guide.md": "# Guide\n\n## `go tool mage ci`: the pipeline\n\n## Set up\n\n## Set up\n\n<a id=\"by-hand\"></a>\n",
		".ci/run":       "#!/bin/sh\n",
		"README.md":     "# Readme\n",
	}
	maps.Copy(tree, files)
	return testenv.WriteTree(t, t.TempDir(), tree)
}

func TestLinksCheck(t *testing.T) {
	tests := []struct {
		name string
		file string // README.md's text, or docs/page.md's when it starts with "docs:"
		want string // the findings
	}{
		{"file", "see [the guide](docs/guide.md) and [run](.ci/run)\n", ""},
		{"folder", "see [docs](docs/) and [scripts](.ci)\n", ""},
		{"missing file", "intro\nsee [the guide](docs/guid.md)\n", "README.md:2: docs/guid.md → no such file or folder docs/guid.md"},
		{"relative to the document", "docs:see [the guide](guide.md) and [readme](../README.md)\n", ""},
		{"docs/ from inside docs/", "docs:see [clients](docs/guide.md)\n", "docs/page.md:1: docs/guide.md → no such file or folder docs/docs/guide.md"},
		{"from the root", "docs:see [run](/.ci/run)\n", ""},
		{"heading", "[ci](docs/guide.md#go-tool-mage-ci-the-pipeline), [set up](docs/guide.md#set-up), [again](docs/guide.md#set-up-1)\n", ""},
		{"hand-made anchor", "[by hand](docs/guide.md#by-hand)\n", ""},
		{"missing heading", "[ci](docs/guide.md#ci)\n", "README.md:1: docs/guide.md#ci → no heading #ci in docs/guide.md"},
		{"repeated heading once", "[thrice](docs/guide.md#set-up-2)\n", "README.md:1: docs/guide.md#set-up-2 → no heading #set-up-2 in docs/guide.md"},
		{"own heading", "# Top\n\n[top](#top) [gone](#gone)\n", "README.md:3: #gone → no heading #gone in README.md"},
		{"fragment of a file that is not Markdown", "[run](.ci/run#L2)\n", ""},
		{"image", "![logo](docs/logo.png \"the logo\")\n", "README.md:1: docs/logo.png → no such file or folder docs/logo.png"},
		{"reference definition", "[guide][g]\n\n[g]: docs/gone.md\n", "README.md:3: docs/gone.md → no such file or folder docs/gone.md"},
		{"escaped path", "[guide](docs/guide%2Emd)\n", ""},
		{"absolute URLs", "[a](https://example.test/x.md) [b](http://127.0.0.1:8000/) [c](mailto:a@example.test)\n", ""},
		{"in code", "`[x](gone.md)`\n\n```sh\n[x](gone.md)\n```\n\n~~~~\n```\n[x](gone.md)\n~~~~\n[y](gone.md)\n",
			"README.md:11: gone.md → no such file or folder gone.md"},
		{"two on a line", "[a](a.md) [b](b.md)\n",
			"README.md:1: a.md → no such file or folder a.md\nREADME.md:1: b.md → no such file or folder b.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, text := "README.md", tt.file
			if rest, ok := strings.CutPrefix(text, "docs:"); ok {
				name, text = "docs/page.md", rest
			}
			dir := docsTree(t, map[string]string{name: text})
			got, err := linksCheck(t.Context(), dir, options{docs: []string{"README.md", "docs/*.md"}})
			if err != nil || got != tt.want {
				t.Errorf("linksCheck(%s: %q) = %q, %v; want %q", name, text, got, err, tt.want)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ heading, want string }{
		{"Set up", "set-up"},
		{"`go tool mage ci`: the pipeline", "go-tool-mage-ci-the-pipeline"},
		{"What `push` does (and why)", "what-push-does-and-why"},
		{"See [the guide](guide.md)", "see-the-guide"},
		{"snake_case and kebab-case", "snake_case-and-kebab-case"},
		{"Größe", "größe"},
	}
	for _, tt := range tests {
		if got := slug(tt.heading); got != tt.want {
			t.Errorf("slug(%q) = %q, want %q", tt.heading, got, tt.want)
		}
	}
}

func TestLinksCheckErrors(t *testing.T) {
	dir := docsTree(t, map[string]string{"README.md": "[x](%zz)\n"})
	if got, err := linksCheck(t.Context(), dir, options{docs: []string{"README.md"}}); err != nil || !strings.Contains(got, "README.md:1: %zz → not a valid path") {
		t.Errorf("linksCheck(bad escape) = %q, %v; want a finding", got, err)
	}
	if _, err := linksCheck(t.Context(), dir, options{docs: []string{"[.md"}}); err == nil {
		t.Errorf("linksCheck(bad glob) = nil, want an error")
	}
}

// This module's own documents, in -short too: a broken link fails go test,
// not only lint.
func TestLinksOfThisModule(t *testing.T) {
	got, err := linksCheck(t.Context(), filepath.Join("..", ".."), options{docs: []string{"README.md", "docs/*.md"}})
	if err != nil || got != "" {
		t.Errorf("linksCheck(README.md, docs/*.md) = %v, broken links:\n%s", err, got)
	}
}
