// Package vet has a mistake that go vet finds.
package vet

import "fmt"

// Greet formats with a verb that does not fit its argument.
func Greet() string { return fmt.Sprintf("%d", "not a number") }
