package settings

import "testing"

func TestVulnDB(t *testing.T) {
	tests := []struct {
		env, want string
		ok        bool
	}{
		{"", "https://vuln.go.dev", true},
		{"file:///tmp/vulndb", "file:///tmp/vulndb", true},
		{"vuln.example", "", false},
	}
	for _, tt := range tests {
		got, err := VulnDB(getenv(map[string]string{"VULNDB": tt.env}))
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("VulnDB(%q) = %q, %v, want %q, ok %v", tt.env, got, err, tt.want, tt.ok)
		}
	}
}
