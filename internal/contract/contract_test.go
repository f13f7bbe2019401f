package contract

import "testing"

func TestForms(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"User()", User(), "65532:65532"},
		{"ExposedPort()", ExposedPort(), "8000/tcp"},
		{"Binary", Binary, "/app/devops-info-service"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
