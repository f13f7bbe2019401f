//go:build race

package race

import (
	"fmt"
	"strings"
)

// Greet formats with a verb that does not fit its argument (go vet) and
// throws a result away (staticcheck), when built with -race alone.
func Greet(s string) string {
	strings.ToUpper(s)
	return fmt.Sprintf("%d", s)
}
