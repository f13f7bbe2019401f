package main

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The magefile's shape, as issue 21 asks it: each target a few lines over
// a package that does the work, a first doc sentence that `go tool mage -l`
// shows whole, the helpers after the targets, and every path from settings.
const (
	maxTargetLines = 20
	maxSynopsis    = 100
)

// shape lists how the magefile src departs from that shape.
func shape(src string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "magefile.go", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var findings []string
	if f.Doc != nil && strings.Contains(f.Doc.Text(), "`") {
		// mage:multiline prints the package comment in a raw string literal
		findings = append(findings, "the package comment holds a backquote, which breaks mage's compile")
	}
	helper := ""
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil {
			continue
		}
		if !fn.Name.IsExported() {
			if helper == "" {
				helper = fn.Name.Name
			}
			continue
		}
		name := fn.Name.Name
		if helper != "" {
			findings = append(findings, fmt.Sprintf("%s: a target after the helper %s", name, helper))
		}
		lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
		if lines > maxTargetLines {
			findings = append(findings, fmt.Sprintf("%s: %d lines, more than %d", name, lines, maxTargetLines))
		}
		if s := new(doc.Package).Synopsis(fn.Doc.Text()); len(s) > maxSynopsis {
			findings = append(findings, fmt.Sprintf("%s: a first sentence of %d characters, more than %d", name, len(s), maxSynopsis))
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && (lit.Value == `"dist"` || strings.HasPrefix(lit.Value, `"dist/`)) {
			findings = append(findings, fmt.Sprintf("line %d: the path %s, not from settings", fset.Position(lit.Pos()).Line, lit.Value))
		}
		return true
	})
	return findings, nil
}

func TestMagefileShape(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "magefile.go"))
	if err != nil {
		t.Fatal(err)
	}
	findings, err := shape(string(src))
	if err != nil || len(findings) > 0 {
		t.Errorf("shape(magefile.go) = %v, %q; want none", err, findings)
	}
}

func TestShape(t *testing.T) {
	const pkg = "// Targets.\npackage main\n\n"
	long := "func Long() {\n" + strings.Repeat("\tprintln()\n", maxTargetLines-1) + "}\n"
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"table of contents", pkg + "// A does a.\nfunc A() { b() }\n\n// B does b.\nfunc B() {}\n\nfunc b() {}\n", nil},
		{"helper between targets", pkg + "func A() {}\n\nfunc h() {}\n\nfunc B() {}\n", []string{"B: a target after the helper h"}},
		{"long target", pkg + long, []string{fmt.Sprintf("Long: %d lines, more than %d", maxTargetLines+1, maxTargetLines)}},
		{"long first sentence", pkg + "// A " + strings.Repeat("x", maxSynopsis) + ". Then more.\nfunc A() {}\n",
			[]string{fmt.Sprintf("A: a first sentence of %d characters, more than %d", maxSynopsis+3, maxSynopsis)}},
		{"dist spelled out", pkg + "func A() { _ = \"dist/oci\"; _ = \"dist\"; _ = \"distance\" }\n",
			[]string{"line 4: the path \"dist/oci\", not from settings", "line 4: the path \"dist\", not from settings"}},
		{"backquote in the package comment", "// Run `go tool mage`.\npackage main\n",
			[]string{"the package comment holds a backquote, which breaks mage's compile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := shape(tt.src)
			if err != nil || strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("shape(%q) = %q, %v; want %q", tt.src, got, err, tt.want)
			}
		})
	}
	if _, err := shape("package"); err == nil {
		t.Errorf("shape(%q) = nil error, want a parse error", "package")
	}
}

// Every command compiles the magefile first: what only push, verify,
// lint or vulncheck need (Sigstore, in-toto and protobuf, the Go parser,
// govulncheck) stays out of it, compiled by those commands on first use.
func TestMagefileLeavesOutWhatOnlySomeTargetsNeed(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "mage", "../../..").Output()
	if err != nil {
		t.Fatalf("go list -deps of the magefile: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, heavy := range []string{"github.com/sigstore/", "github.com/in-toto/", "google.golang.org/protobuf/", "golang.org/x/vuln/", "golang.org/x/tools/", "go/parser", "go/printer"} {
			if strings.HasPrefix(pkg, heavy) {
				t.Errorf("the magefile imports %s, want it left to the targets that need it", pkg)
			}
		}
	}
}
