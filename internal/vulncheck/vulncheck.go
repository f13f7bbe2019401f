// Package vulncheck checks the service against the Go vulnerability
// database with golang.org/x/vuln's govulncheck: the module's source, where
// it can tell which vulnerable functions are reached, and the built
// binaries, which are what ships. A vulnerability counts when the code
// reaches a vulnerable function; one the code only imports is listed in the
// OpenVEX documents as not affecting it.
package vulncheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/vuln/scan"
)

// Finding is a vulnerability that code reaches.
type Finding struct {
	// Target is what was scanned: "source" or a binary's path.
	Target string
	// ID is the database's, such as GO-2024-2687.
	ID              string
	Module, Version string
	// Symbol is the vulnerable function reached; From, where the code
	// reaches it from (source only).
	Symbol, From string
	// Fixed is the first version without it, "" when there is none yet.
	Fixed string
	// Reached says the code calls Symbol. A binary built with -s (as
	// build's are) has no symbol table, so govulncheck cannot tell which
	// functions it holds and lists every vulnerability of its Go version
	// and modules, reached or not.
	Reached bool
}

// String is the finding as one line.
func (f Finding) String() string {
	fix := "no fixed version yet"
	if f.Fixed != "" {
		fix = "fixed in " + goVersion(f.Module, f.Fixed)
	}
	how := f.Symbol + " is reached"
	if f.From != "" {
		how += " from " + f.From
	}
	if !f.Reached {
		how = "affects " + f.Symbol + " (a stripped binary: whether it is reached shows in the source scan)"
	}
	return fmt.Sprintf("%s: %s in %s@%s: %s; %s", f.Target, f.ID, f.Module, goVersion(f.Module, f.Version), how, fix)
}

// goVersion is the standard library's version v1.26.8 as Go names it,
// go1.26.8; other modules' versions as they are.
func goVersion(module, v string) string {
	if module == "stdlib" || module == "toolchain" {
		return "go" + strings.TrimPrefix(v, "v")
	}
	return v
}

// Result is one govulncheck run.
type Result struct {
	Target   string
	Findings []Finding
	// Stream is govulncheck's JSON output, which OpenVEX converts.
	Stream []byte
}

// Source scans the packages (such as "./...") of the module in dir.
func Source(ctx context.Context, dir, db string, packages ...string) (Result, error) {
	return run(ctx, "source", true, append([]string{"-C", dir, "-db", db, "-format", "json"}, packages...))
}

// Binary scans the Go executable at path.
func Binary(ctx context.Context, path, db string) (Result, error) {
	if _, err := os.Stat(path); err != nil {
		return Result{}, fmt.Errorf("checking %s: %w", path, err)
	}
	symbols, err := hasSymbols(path)
	if err != nil {
		return Result{}, fmt.Errorf("checking %s: %w", path, err)
	}
	return run(ctx, path, symbols, []string{"-mode", "binary", "-db", db, "-format", "json", path})
}

// run runs govulncheck; precise says its symbol findings are reached.
func run(ctx context.Context, target string, precise bool, args []string) (Result, error) {
	var out, stderr bytes.Buffer
	cmd := scan.Command(ctx, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(""), &out, &stderr
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("checking %s for vulnerabilities: %w", target, err)
	}
	if err := cmd.Wait(); err != nil {
		return Result{}, fmt.Errorf("checking %s for vulnerabilities: %w: %s", target, err, strings.TrimSpace(stderr.String()))
	}
	findings, err := reached(target, precise, out.Bytes())
	if err != nil {
		return Result{}, err
	}
	return Result{Target: target, Findings: findings, Stream: out.Bytes()}, nil
}

// message is the part of govulncheck's JSON messages read here.
type message struct {
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module, Version, Package, Function, Receiver string
		} `json:"trace"`
	} `json:"finding"`
}

// reached are the findings in a govulncheck JSON stream whose trace
// starts at a function: the reached ones, when precise (module- and
// package-level findings name none). One per vulnerability.
func reached(target string, precise bool, stream []byte) ([]Finding, error) {
	seen := map[string]bool{}
	var out []Finding
	dec := json.NewDecoder(bytes.NewReader(stream))
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading govulncheck's output for %s: %w", target, err)
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" || seen[f.OSV] {
			continue
		}
		seen[f.OSV] = true
		top := f.Trace[0]
		fd := Finding{Target: target, ID: f.OSV, Module: top.Module, Version: top.Version, Symbol: symbol(top.Package, top.Receiver, top.Function), Fixed: f.FixedVersion, Reached: precise}
		if last := f.Trace[len(f.Trace)-1]; len(f.Trace) > 1 {
			fd.From = symbol(last.Package, last.Receiver, last.Function)
		}
		out = append(out, fd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func symbol(pkg, recv, fn string) string {
	if recv != "" {
		return pkg + "." + strings.TrimPrefix(recv, "*") + "." + fn
	}
	return pkg + "." + fn
}

// OpenVEX is r as an OpenVEX document: each vulnerability of the modules
// scanned, as affecting the code or (not reached) not.
func (r Result) OpenVEX(ctx context.Context) ([]byte, error) {
	var out, stderr bytes.Buffer
	cmd := scan.Command(ctx, "-mode", "convert", "-format", "openvex")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(r.Stream), &out, &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("writing the OpenVEX of %s: %w", r.Target, err)
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("writing the OpenVEX of %s: %w: %s", r.Target, err, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}
