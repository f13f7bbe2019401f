package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestPlatformVersion(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"os-release", map[string]string{"etc/os-release": "NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"}, "Debian GNU/Linux 12 (bookworm)"},
		{"single quotes", map[string]string{"etc/os-release": "PRETTY_NAME='Alpine Linux v3.20'\n"}, "Alpine Linux v3.20"},
		{"unquoted", map[string]string{"etc/os-release": "PRETTY_NAME=Distroless\n"}, "Distroless"},
		{"usr lib fallback", map[string]string{"usr/lib/os-release": "PRETTY_NAME=\"Fedora 40\"\n"}, "Fedora 40"},
		{"no pretty name: kernel", map[string]string{"etc/os-release": "NAME=x\n", "proc/sys/kernel/osrelease": "6.1.0-18-amd64\n"}, "6.1.0-18-amd64"},
		{"nothing", nil, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir() + "/"
			for name, content := range tt.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := platformVersion(root); got != tt.want {
				t.Errorf("platformVersion(%v) = %q, want %q", tt.files, got, tt.want)
			}
		})
	}
}

func TestReadSystemInfo(t *testing.T) {
	got := readSystemInfo("/")
	host, _ := os.Hostname()
	if got.Hostname != host || got.Platform != runtime.GOOS || got.Architecture != runtime.GOARCH ||
		got.CPUCount != runtime.NumCPU() || got.GoVersion != runtime.Version() || got.PlatformVersion == "" {
		t.Errorf("readSystemInfo() = %+v, want this host's facts", got)
	}
}
