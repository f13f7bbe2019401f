package settings

import (
	"strings"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/publish"
)

func TestPublishNoCredentials(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no docker login here
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"IMAGE": "127.0.0.1:5000/x"}, "no credentials for 127.0.0.1:5000"},
		{map[string]string{"IMAGE": "127.0.0.1:5000/x", "REGISTRY_USERNAME": "u", "REGISTRY_PASSWORD": "p"}, ""},
		{map[string]string{"IMAGE": "bad name"}, `IMAGE "bad name" is not a repository`},
		{map[string]string{"IMAGE": "127.0.0.1:5000/x", "REGISTRY_USERNAME": "u"}, "REGISTRY_USERNAME is set but REGISTRY_PASSWORD is not"},
		{map[string]string{"IMAGE": "127.0.0.1:5000/x", "REGISTRY_PASSWORD": "p"}, "REGISTRY_PASSWORD is set but REGISTRY_USERNAME is not"},
		{nil, "no credentials for index.docker.io"},
	}
	for _, tt := range tests {
		cfg, err := Publish(getenv(tt.env))
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = publish.NoCredentials(cfg)
		}
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("Publish then NoCredentials(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

// The usual mistakes in IMAGE are named, each with its fix, rather than
// answered with the list of characters a repository may hold.
func TestPublishImageMistakes(t *testing.T) {
	for _, tt := range []struct{ image, want string }{
		{"lehus1/devops-info-service-go:latest", `IMAGE "lehus1/devops-info-service-go:latest" takes no tag (set TAGS): IMAGE is the repository alone, such as lehus1/devops-info-service-go`},
		{"127.0.0.1:5000/svc:1.2.3", "takes no tag (set TAGS)"},
		{"https://ghcr.io/lehus1/svc", "is a URL: drop https:// (IMAGE is a repository"},
		{"http://127.0.0.1:5000/svc", "drop http://"},
		{"ghcr.io/Lehus1/Svc", `IMAGE "ghcr.io/Lehus1/Svc" has upper case: lower case only`},
		{"ghcr.io/lehus1/svc@sha256:" + strings.Repeat("a", 64), "names a digest: IMAGE is the repository alone"},
	} {
		_, err := Publish(getenv(map[string]string{"IMAGE": tt.image}))
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Publish(IMAGE=%q) = %v, want one line with %q", tt.image, err, tt.want)
		}
	}
	for _, image := range []string{"127.0.0.1:5000/svc", "localhost:5000/a/b", "lehus1/devops-info-service-go"} {
		if _, err := Publish(getenv(map[string]string{"IMAGE": image})); err != nil {
			t.Errorf("Publish(IMAGE=%q) = %v, want no error", image, err)
		}
	}
}

func TestPublish(t *testing.T) {
	env := map[string]string{"IMAGE": "127.0.0.1:5000/svc", "INSECURE_REGISTRY": "127.0.0.1:5000", "TAGS": "edge", "REGISTRY_USERNAME": "u", "REGISTRY_PASSWORD": "p", "DRY_RUN": "1"}
	cfg, err := Publish(getenv(env))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Repo.Name() != "127.0.0.1:5000/svc" || cfg.Repo.Scheme() != "http" || cfg.Tags != "edge" || cfg.Username != "u" || cfg.Password != "p" || !cfg.DryRun {
		t.Errorf("Publish(%v) = %+v", env, cfg)
	}
	for _, d := range []string{"", "0", "false"} {
		if cfg, _ := Publish(getenv(map[string]string{"DRY_RUN": d})); cfg.DryRun {
			t.Errorf("Publish(DRY_RUN=%q).DryRun = true, want false", d)
		}
	}
}

func TestPort(t *testing.T) {
	tests := []struct {
		port    string
		want    int
		wantErr bool
	}{
		{"", 8000, false}, {"8080", 8080, false}, {"0", 0, true}, {"65536", 0, true}, {"http", 0, true},
	}
	for _, tt := range tests {
		got, err := Port(getenv(map[string]string{"PORT": tt.port}))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("Port(PORT=%q) = %d, %v; want %d, error %v", tt.port, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestReadCI(t *testing.T) {
	got := ReadCI(getenv(map[string]string{"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "/tmp/s"}))
	if want := (CI{Enabled: true, GitHubActions: true, StepSummary: "/tmp/s"}); got != want {
		t.Errorf("ReadCI() = %+v, want %+v", got, want)
	}
	if got := ReadCI(getenv(map[string]string{"CI": "1"})); got.Enabled {
		t.Errorf("ReadCI(CI=1).Enabled = true, want only CI=true")
	}
}

func TestEngine(t *testing.T) {
	tests := []struct {
		engine, want string
		wantErr      bool
	}{
		{"", "", false}, {"runc", "runc", false}, {"docker", "docker", false}, {"podman", "podman", false},
		{"Docker", "", true}, {"containerd", "", true},
	}
	for _, tt := range tests {
		got, err := Engine(getenv(map[string]string{"ENGINE": tt.engine}))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("Engine(ENGINE=%q) = %q, %v; want %q, error %v", tt.engine, got, err, tt.want, tt.wantErr)
		}
	}
}
