package settings

import (
	"strings"
	"testing"
)

func TestReadDev(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		port      int
		container bool
		err       string
	}{
		{name: "defaults", env: map[string]string{}, port: 8000},
		{name: "port and container", env: map[string]string{"PORT": "18080", "DEV_CONTAINER": "1"}, port: 18080, container: true},
		{name: "container off", env: map[string]string{"DEV_CONTAINER": "false"}, port: 8000},
		{name: "bad container", env: map[string]string{"DEV_CONTAINER": "yes please"}, err: `DEV_CONTAINER must be 1 (each version in a container) or 0, got "yes please"`},
		{name: "bad port", env: map[string]string{"PORT": "0"}, err: `PORT must be a number from 1 to 65535, got "0"`},
		{name: "bad version", env: map[string]string{"VERSION": "one"}, err: `"one"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ReadDev(t.Context(), t.TempDir(), getenv(tt.env))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ReadDev(%v) = %v, want an error with %s", tt.env, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Port != tt.port || d.Container != tt.container {
				t.Errorf("ReadDev(%v) = port %d, container %v, want %d, %v", tt.env, d.Port, d.Container, tt.port, tt.container)
			}
			if d.Build.Version.Version == "" {
				t.Errorf("ReadDev(%v).Build.Version is empty, want build's version", tt.env)
			}
		})
	}
}
