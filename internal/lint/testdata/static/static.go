// Package static has a mistake that staticcheck finds and go vet does not.
package static

import "strings"

// Shout throws its result away.
func Shout(s string) string {
	strings.ToUpper(s)
	return s
}
