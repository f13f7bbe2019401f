package container

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// needLinux skips, loudly, off Linux, also in CI: runc and the root
// filesystems it runs need a Linux kernel, so no tool can be installed to
// make these tests run on macOS or Windows.
func needLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		testenv.SkipLoudly(t, fmt.Sprintf("%v (this is %s)", ErrNeedsLinux, runtime.GOOS))
	}
}

func TestAvailable(t *testing.T) {
	found := func(string) (string, error) { return "/usr/sbin/runc", nil }
	missing := func(string) (string, error) { return "", exec.ErrNotFound }
	tests := []struct {
		goos     string
		lookPath func(string) (string, error)
		euid     int
		want     error
	}{
		{"linux", found, 0, nil},
		{"linux", missing, 0, ErrNoRunc},
		{"darwin", found, 0, ErrNeedsLinux},
		{"darwin", missing, 501, ErrNeedsLinux},
		{"windows", missing, -1, ErrNeedsLinux},
	}
	for _, tt := range tests {
		if got := available(tt.goos, tt.lookPath, tt.euid); !errors.Is(got, tt.want) {
			t.Errorf("available(%s, euid %d) = %v, want %v", tt.goos, tt.euid, got, tt.want)
		}
	}
	if err := available("linux", found, 1000); err == nil || !strings.Contains(err.Error(), "needs root") {
		t.Errorf("available(linux, euid 1000) = %v, want an error that says it needs root", err)
	}
	if got := Available(); runtime.GOOS != "linux" && !errors.Is(got, ErrNeedsLinux) {
		t.Errorf("Available() on %s = %v, want %v", runtime.GOOS, got, ErrNeedsLinux)
	}
}
