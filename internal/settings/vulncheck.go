package settings

import (
	"fmt"
	"strings"
)

// defaultVulnDB is the Go vulnerability database.
const defaultVulnDB = "https://vuln.go.dev"

// VulnDB reads VULNDB, the vulnerability database vulncheck reads: an
// https:// or file:// address (default the Go vulnerability database).
func VulnDB(getenv func(string) string) (string, error) {
	db := orDefault(getenv)("VULNDB", defaultVulnDB)
	if !strings.HasPrefix(db, "https://") && !strings.HasPrefix(db, "file://") {
		return "", fmt.Errorf("VULNDB must be an https:// or file:/// address, such as %s, got %q", defaultVulnDB, db)
	}
	return db, nil
}
