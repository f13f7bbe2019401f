package settings

import (
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lehus1/devops-info-service-go/internal/publish"
)

// DefaultImage is where the image is published unless IMAGE says otherwise.
const DefaultImage = "docker.io/lehus1/devops-info-service-go"

// Publish reads what push needs: IMAGE (default DefaultImage), TAGS,
// REGISTRY_USERNAME, REGISTRY_PASSWORD, INSECURE_REGISTRY and DRY_RUN.
func Publish(getenv func(string) string) (publish.Config, error) {
	repo, err := repository(getenv)
	if err != nil {
		return publish.Config{}, err
	}
	d := getenv("DRY_RUN")
	return publish.Config{Repo: repo, Tags: getenv("TAGS"), Username: getenv("REGISTRY_USERNAME"), Password: getenv("REGISTRY_PASSWORD"),
		Insecure: insecure(getenv), DryRun: d != "" && d != "0" && d != "false"}, nil
}

// repository is IMAGE (default DefaultImage), with INSECURE_REGISTRY's
// hosts allowed plain HTTP: the one place IMAGE is parsed.
func repository(getenv func(string) string) (name.Repository, error) {
	return publish.Repository(orDefault(getenv)("IMAGE", DefaultImage), insecure(getenv))
}

func insecure(getenv func(string) string) []string {
	return strings.Split(getenv("INSECURE_REGISTRY"), ",")
}
