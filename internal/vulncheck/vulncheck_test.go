package vulncheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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

// Source reports what the code reaches, and only that.
func TestSource(t *testing.T) {
	testenv.SkipIfShort(t, "govulncheck's analysis of the source takes seconds")
	tests := []struct {
		pkg  string
		want []string
	}{
		{"./app", []string{"GO-2099-0001"}},
		{"./internal/atomicfile", nil}, // no encoding/json
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			r, err := Source(t.Context(), testenv.ModuleRoot(t), testDB(t), tt.pkg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(r.Findings)); diff != "" {
				t.Errorf("Source(%s) findings (-want +got):\n%s", tt.pkg, diff)
			}
			for _, f := range r.Findings {
				line := f.String()
				if !strings.Contains(line, "encoding/json.Marshal is reached from github.com/lehus1/devops-info-service-go/app.") ||
					!strings.Contains(line, "fixed in go1.99.0") || !strings.HasPrefix(line, "source: GO-2099-0001 in stdlib@go1.") || !f.Reached {
					t.Errorf("Source(%s) line = %q, want the ID, module, symbol, caller and fixed version", tt.pkg, line)
				}
			}
		})
	}
}

// A binary with a symbol table is checked by the functions compiled into
// it; a stripped one, as build makes, by its Go version and modules, and
// its findings are not called reached.
func TestBinary(t *testing.T) {
	testenv.SkipIfShort(t, "builds the service")
	tests := []struct {
		name, ldflags string
		want          []string
		reached       bool
	}{
		{"symbols", "-ldflags=-buildid=", []string{"GO-2099-0001"}, true},
		{"stripped", "-ldflags=-s -w -buildid=", []string{"GO-2099-0001", "GO-2099-0002"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "svc")
			cmd := exec.Command("go", "build", "-trimpath", tt.ldflags, "-o", bin, "./app")
			cmd.Dir = testenv.ModuleRoot(t)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("building the service: %v\n%s", err, out)
			}
			r, err := Binary(t.Context(), bin, testDB(t))
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

// Check writes an OpenVEX document per scan, where the vulnerability
// reached is "affected" and the other "not_affected".
func TestCheckWritesOpenVEX(t *testing.T) {
	testenv.SkipIfShort(t, "govulncheck's analysis of the source takes seconds")
	out := filepath.Join(t.TempDir(), "dist", "sbom") // not there yet
	var log strings.Builder
	got, err := Check(t.Context(), filepath.Join(testenv.ModuleRoot(t), "app"), testDB(t), nil, out, &log)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "GO-2099-0001" {
		t.Errorf("Check(app) = %v, want GO-2099-0001", got)
	}
	data, err := os.ReadFile(filepath.Join(out, "source.openvex.json"))
	if err != nil {
		t.Fatal(err)
	}
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
	if diff := cmp.Diff(map[string]string{"GO-2099-0001": "affected", "GO-2099-0002": "not_affected"}, status); diff != "" {
		t.Errorf("source.openvex.json statuses (-want +got):\n%s\n%s", diff, data)
	}
	if !strings.Contains(log.String(), "vulncheck source in ") {
		t.Errorf("Check() log = %q, want a line per scan", log.String())
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
