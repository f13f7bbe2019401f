package dev

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// realModule is a module with a copy of the service in app/. A test that
// builds it skips under -short.
func realModule(t *testing.T) string {
	t.Helper()
	testenv.SkipIfShort(t, "builds the service")
	dir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dir, "go.mod"), "module example.com/svc\n\n"+goLine(t)+"\n")
	testenv.CopyFiles(t, "../..", dir, nil, "app/*.go")
	return dir
}

// description is the service's description from GET /, and its version.
func description(t *testing.T, url string) (string, string) {
	t.Helper()
	body, err := get(url + "/")
	if err != nil {
		return "", err.Error()
	}
	var info struct {
		Service struct{ Version, Description string }
	}
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatalf("GET / = %q: %v", body, err)
	}
	return info.Service.Description, info.Service.Version
}

// The real service, stamped as build stamps it, reloads on a save.
func TestRealService(t *testing.T) {
	t.Parallel()
	dir := realModule(t)
	d := startDev(t, Config{Dir: dir})
	desc, ver := description(t, d.url)
	if ver != testInfo.Version || desc == "" {
		t.Fatalf("GET / = description %q, version %q, want the service's, stamped %s", desc, ver, testInfo.Version)
	}
	edit(t, filepath.Join(dir, "app", "info.go"), desc, desc+" (edited)")
	waitFor(t, "the edit to be served", func() bool {
		got, _ := description(t, d.url)
		return got == desc+" (edited)"
	})
}

// edit replaces old with new in the file at path, as a save would.
func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	testenv.WriteFile(t, path, strings.Replace(string(data), old, new, 1))
}
