package settings

import (
	"errors"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lehus1/devops-info-service-go/internal/publish"
)

// DefaultImage is where the image is published unless IMAGE says otherwise.
const DefaultImage = "docker.io/lehus1/devops-info-service-go"

// Publish reads what push needs: IMAGE (default DefaultImage), TAGS,
// REGISTRY_USERNAME, REGISTRY_PASSWORD, INSECURE_REGISTRY and DRY_RUN.
func Publish(getenv func(string) string) (publish.Config, error) {
	return publishTo(getenv, orDefault(getenv)("IMAGE", DefaultImage))
}

// publishTo is what Publish reads, for the repository image: IMAGE, or
// (for verify) IMAGE less its digest.
func publishTo(getenv func(string) string, image string) (publish.Config, error) {
	repo, err := publish.Repository(image, insecure(getenv))
	if err != nil {
		return publish.Config{}, err
	}
	user, pass := getenv("REGISTRY_USERNAME"), getenv("REGISTRY_PASSWORD")
	switch {
	case user != "" && pass == "":
		return publish.Config{}, errors.New("REGISTRY_USERNAME is set but REGISTRY_PASSWORD is not: set it too (a token works as the password), or unset both to use docker login's")
	case user == "" && pass != "":
		return publish.Config{}, errors.New("REGISTRY_PASSWORD is set but REGISTRY_USERNAME is not: set it too, or unset both to use docker login's")
	}
	d := getenv("DRY_RUN")
	return publish.Config{Repo: repo, Tags: getenv("TAGS"), Username: user, Password: pass,
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
