package vulncheck

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lehus1/devops-info-service-go/internal/gotool"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// testDB is a vulnerability database of two made-up entries in the
// standard library: GO-2099-0001 in encoding/json.Marshal, which the
// service calls, and GO-2099-0002 in net/smtp.SendMail, which nothing here
// calls. Nothing reaches the network.
func testDB(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "vulndb"))
	if err != nil {
		t.Fatal(err)
	}
	return "file://" + filepath.ToSlash(dir)
}

func ids(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

// TestMain removes the services the tests built (see service).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vulncheck-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scratch = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// scratch holds the services built once per test binary.
var scratch string

// memo holds what several tests read, made once per test binary by key:
// govulncheck's analysis of the service's source takes seconds, and each
// build of the service a second.
type memo[V any] struct {
	mu sync.Mutex
	m  map[string]*memoEntry[V]
}

type memoEntry[V any] struct {
	once sync.Once
	v    V
	err  error
}

func (c *memo[V]) get(key string, make func() (V, error)) (V, error) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*memoEntry[V]{}
	}
	e := c.m[key]
	if e == nil {
		e = &memoEntry[V]{}
		c.m[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.v, e.err = make() })
	return e.v, e.err
}

var sources memo[Result]

// source is Source on the packages pkg of this module, once per test
// binary: tests only read the Result. It runs in testdata/source, a
// program of its own that go run builds without -race, as the magefile
// runs vulncheck's command: govulncheck type-checks and builds SSA for
// every package the service imports, 15 s of CPU in this -race binary and
// 3 s there. TestSource's other case calls Source in this process.
func source(t *testing.T, pkg string) Result {
	t.Helper()
	root, db := testenv.ModuleRoot(t), testDB(t)
	r, err := sources.get(pkg, func() (Result, error) {
		out, err := gotool.Output(t.Context(), root, "run", "./internal/vulncheck/testdata/source", root, db, pkg)
		if err != nil {
			return Result{}, fmt.Errorf("Source(%s) in testdata/source: %w", pkg, err)
		}
		var r Result
		return r, json.Unmarshal([]byte(out), &r)
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var services memo[string]

// ldflags are the builds of the service the tests scan, by name: with a
// symbol table, and stripped, as build makes it.
var ldflags = map[string]string{"symbols": "-ldflags=-buildid=", "stripped": "-ldflags=-s -w -buildid="}

// service is the path of the service built as ldflags[name] says, once
// per test binary, at <scratch>/<name>/svc: tests only read it.
func service(t *testing.T, name string) string {
	t.Helper()
	root := testenv.ModuleRoot(t)
	bin, err := services.get(name, func() (string, error) {
		bin := filepath.Join(scratch, name, "svc")
		cmd := exec.Command("go", "build", "-trimpath", ldflags[name], "-o", bin, "./app")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building the service: %v\n%s", err, out)
		}
		return bin, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Source reports what the code reaches, and only that: the service
// reaches encoding/json.Marshal; a module that uses the standard library
// (the vulnerable module) but neither vulnerable package reaches nothing.
// That one is a module of one file importing unicode/utf8 alone: the scan
// type-checks from source every package it loads, and any package of this
// module pulls in the runtime, 17 s of CPU under -race.
func TestSource(t *testing.T) {
	testenv.SkipIfShort(t, "govulncheck's analysis of the source takes seconds")
	tests := []struct {
		name string
		scan func(t *testing.T) Result
		want []string
	}{
		{"./app", func(t *testing.T) Result { return source(t, "./app") }, []string{"GO-2099-0001"}},
		{"no encoding/json", func(t *testing.T) Result {
			dir := writeModule(t, "package main\n\nimport \"unicode/utf8\"\n\nvar n = utf8.RuneLen('x')\n\nfunc main() { println(n) }\n")
			r, err := Source(t.Context(), dir, testDB(t), ".")
			if err != nil {
				t.Fatal(err)
			}
			return r
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.scan(t)
			if diff := cmp.Diff(tt.want, ids(r.Findings)); diff != "" {
				t.Errorf("Source(%s) findings (-want +got):\n%s", tt.name, diff)
			}
			for _, f := range r.Findings {
				line := f.String()
				if !strings.Contains(line, "encoding/json.Marshal is reached from github.com/lehus1/devops-info-service-go/app.") ||
					!strings.Contains(line, "fixed in go1.99.0") || !strings.HasPrefix(line, "source: GO-2099-0001 in stdlib@go1.") || !f.Reached {
					t.Errorf("Source(%s) line = %q, want the ID, module, symbol, caller and fixed version", tt.name, line)
				}
			}
		})
	}
}

// writeModule is a module example.test/m in a folder of t's, its main.go
// main.
func writeModule(t *testing.T, main string) string {
	t.Helper()
	return testenv.WriteTree(t, t.TempDir(), map[string]string{"go.mod": "module example.test/m\n\ngo 1.26\n", "main.go": main})
}

// The source scan's OpenVEX document, which Check writes as
// source.openvex.json, calls the vulnerability reached "affected" and the
// other "not_affected".
func TestSourceOpenVEX(t *testing.T) {
	testenv.SkipIfShort(t, "govulncheck's analysis of the source takes seconds")
	t.Parallel()
	data, err := source(t, "./app").OpenVEX(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"GO-2099-0001": "affected", "GO-2099-0002": "not_affected"}, statuses(data)); diff != "" {
		t.Errorf("Source(./app).OpenVEX() statuses (-want +got):\n%s\n%s", diff, data)
	}
}

// statuses are the OpenVEX statuses of the test database's
// vulnerabilities in the document data.
func statuses(data []byte) map[string]string {
	var status = map[string]string{}
	for _, s := range strings.Split(string(data), `"vulnerability"`)[1:] {
		for _, id := range []string{"GO-2099-0001", "GO-2099-0002"} {
			if strings.Contains(s, `"`+id+`"`) {
				for _, st := range []string{`"not_affected"`, `"affected"`} {
					if strings.Contains(s, `"status": `+st) && status[id] == "" {
						status[id] = strings.Trim(st, `"`)
					}
				}
			}
		}
	}
	return status
}

// A binary with a symbol table is checked by the functions compiled into
// it; a stripped one, as build makes, by its Go version and modules, and
// its findings are not called reached.
func TestBinary(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	tests := []struct {
		name    string
		want    []string
		reached bool
	}{
		{"symbols", []string{"GO-2099-0001"}, true},
		{"stripped", []string{"GO-2099-0001", "GO-2099-0002"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Binary(t.Context(), service(t, tt.name), testDB(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(r.Findings)); diff != "" {
				t.Errorf("Binary(%s) findings (-want +got):\n%s", tt.name, diff)
			}
			for _, f := range r.Findings {
				if f.Reached != tt.reached || !strings.Contains(f.String(), "fixed in go1.99.") {
					t.Errorf("Binary(%s) %s: reached %v, want %v; line %q", tt.name, f.ID, f.Reached, tt.reached, f)
				}
			}
		})
	}
	if _, err := Binary(t.Context(), filepath.Join(t.TempDir(), "missing"), testDB(t)); err == nil {
		t.Errorf("Binary(missing) = nil error")
	}
}

// Check scans the source and each binary, returns what they reach and
// writes an OpenVEX document per scan, named for the binary's folder, into
// a folder it makes; there the vulnerability reached is "affected" and the
// other "not_affected". The source is a module that imports nothing
// vulnerable, which govulncheck tells at once; TestSourceOpenVEX reads the
// service's.
func TestCheckWritesOpenVEX(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	t.Parallel()
	bin := service(t, "symbols")
	dir := writeModule(t, "package main\n\nfunc main() {}\n")
	out := filepath.Join(t.TempDir(), "dist", "sbom") // not there yet
	var log strings.Builder
	got, err := Check(t.Context(), dir, testDB(t), []string{bin}, out, &log)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "GO-2099-0001" || got[0].Target != bin {
		t.Errorf("Check(nothing reached, %s) = %v, want the binary's GO-2099-0001", bin, got)
	}
	if _, err := os.Stat(filepath.Join(out, "source.openvex.json")); err != nil {
		t.Errorf("Check() wrote no source.openvex.json: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(out, "symbols.openvex.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"GO-2099-0001": "affected", "GO-2099-0002": "not_affected"}, statuses(data)); diff != "" {
		t.Errorf("symbols.openvex.json statuses (-want +got):\n%s\n%s", diff, data)
	}
	for _, want := range []string{"vulncheck source in ", "vulncheck " + bin + " in "} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("Check() log = %q, want a line per scan, such as %q", log.String(), want)
		}
	}
}

// Verdict lists every finding and fails only on the reached ones.
func TestVerdict(t *testing.T) {
	reached := Finding{Target: "source", ID: "GO-2099-0001", Module: "golang.org/x/text", Version: "v0.3.5", Symbol: "golang.org/x/text/language.Parse", Reached: true}
	listed := Finding{Target: "dist/bin/linux_amd64/svc", ID: "GO-2099-0002", Module: "stdlib", Version: "v1.26.8", Symbol: "net/smtp.SendMail", Fixed: "v1.99.1"}
	tests := []struct {
		found []Finding
		lines []string
		fails bool
	}{
		{nil, []string{"vulncheck: no known vulnerability is reached (0 listed in stripped binaries)"}, false},
		{[]Finding{listed}, []string{
			"dist/bin/linux_amd64/svc: GO-2099-0002 in stdlib@go1.26.8: affects net/smtp.SendMail (a stripped binary: whether it is reached shows in the source scan); fixed in go1.99.1",
			"vulncheck: no known vulnerability is reached (1 listed in stripped binaries)"}, false},
		{[]Finding{reached, listed}, []string{
			"source: GO-2099-0001 in golang.org/x/text@v0.3.5: golang.org/x/text/language.Parse is reached; no fixed version yet",
			"dist/bin/linux_amd64/svc: GO-2099-0002 in stdlib@go1.26.8: affects net/smtp.SendMail (a stripped binary: whether it is reached shows in the source scan); fixed in go1.99.1"}, true},
	}
	for _, tt := range tests {
		var out strings.Builder
		err := Verdict(tt.found, &out)
		if diff := cmp.Diff(tt.lines, strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")); diff != "" {
			t.Errorf("Verdict(%d findings) output (-want +got):\n%s", len(tt.found), diff)
		}
		if (err != nil) != tt.fails {
			t.Errorf("Verdict(%d findings) = %v, want failure %v", len(tt.found), err, tt.fails)
		}
	}
}

// What is not a Go executable, or not govulncheck's output, is an error.
func TestBadInput(t *testing.T) {
	notExe := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notExe, []byte("not a binary"), 0o644)
	if _, err := Binary(t.Context(), notExe, testDB(t)); err == nil || !strings.Contains(err.Error(), "not an ELF, Mach-O or PE executable") {
		t.Errorf("Binary(a text file) = %v, want it to say it is no executable", err)
	}
	if _, err := reached("source", true, []byte(`{"finding": [`)); err == nil {
		t.Errorf("reached(broken JSON) = nil error")
	}
	if _, err := Source(t.Context(), t.TempDir(), testDB(t), "./..."); err == nil {
		t.Errorf("Source(a folder with no module) = nil error")
	}
}
