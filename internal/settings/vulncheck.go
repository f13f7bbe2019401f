package settings

import (
	"fmt"
	"strings"

	"github.com/lehus1/devops-info-service-go/internal/vulncheck"
)

// VulnDB reads VULNDB, the vulnerability database vulncheck reads: an
// https:// or file:// address (default the Go vulnerability database).
func VulnDB(getenv func(string) string) (string, error) {
	db := orDefault(getenv)("VULNDB", vulncheck.DefaultDB)
	if !strings.HasPrefix(db, "https://") && !strings.HasPrefix(db, "file://") {
		return "", fmt.Errorf("VULNDB must be an https:// or file:/// address, such as %s, got %q", vulncheck.DefaultDB, db)
	}
	return db, nil
}
