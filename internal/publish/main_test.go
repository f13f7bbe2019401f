package publish_test

// TestMain is in the external test package: it reads the environment
// through settings, which imports publish.

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/lehus1/devops-info-service-go/internal/ocilayout"
	"github.com/lehus1/devops-info-service-go/internal/publish"
	"github.com/lehus1/devops-info-service-go/internal/settings"
)

// TestMain doubles as the push command for the real-registry tests, which
// run it in a process of its own so that it reads SSL_CERT_FILE afresh, as
// `go tool mage push` would.
func TestMain(m *testing.M) {
	if os.Getenv("PUBLISH_TEST_HELPER") == "1" {
		cfg, err := settings.Publish(os.Getenv)
		var img ocilayout.Image
		if err == nil {
			img, err = ocilayout.Load(os.Getenv("PUBLISH_TEST_LAYOUT"))
		}
		if err == nil {
			err = publish.Run(context.Background(), img, cfg, os.Stdout, os.Stderr)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "Error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
