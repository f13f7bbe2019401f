package dev

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/filelock"
	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// sweepBuilds removes only a folder whose dev is gone: marked, with its
// lock free.
func TestSweepBuilds(t *testing.T) {
	tmp := t.TempDir()
	testenv.SetTempDir(t, tmp)
	live, release, err := makeBuilds()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		files []string // made in the folder
		held  bool     // its ownerLock is held
		gone  bool
	}{
		{"devops-info-service-dev-killed", []string{ownerLock, ownerMark, "devops-info-service-1"}, false, true},
		{"devops-info-service-dev-starting", []string{ownerLock}, false, false},
		{"devops-info-service-dev-starting-held", []string{ownerLock}, true, false},
		{"devops-info-service-dev-older", []string{"devops-info-service-1"}, false, false},
		{"someone-else", []string{ownerLock, ownerMark}, false, false},
	}
	for _, tt := range tests {
		for _, f := range tt.files {
			testenv.WriteFile(t, filepath.Join(tmp, tt.name, f), "")
		}
		if tt.held {
			unlock, err := filelock.Lock(filepath.Join(tmp, tt.name, ownerLock), nil, "")
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()
		}
	}
	var logs testenv.Buffer
	sweepBuilds(&logs)
	for _, tt := range tests {
		_, err := os.Stat(filepath.Join(tmp, tt.name))
		if gone := os.IsNotExist(err); gone != tt.gone {
			t.Errorf("sweepBuilds() removed %s: %v, want %v", tt.name, gone, tt.gone)
		}
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("sweepBuilds() took a live dev's folder: %v", err)
	}
	if got, want := logs.String(), "dev: removed "+filepath.Join(tmp, "devops-info-service-dev-killed")+", left by a dev that was killed\n"; got != want {
		t.Errorf("sweepBuilds() said %q, want %q", got, want)
	}
	release()
	if _, err := os.Stat(live); !os.IsNotExist(err) {
		t.Errorf("makeBuilds()'s release left %s: %v", live, err)
	}
}
