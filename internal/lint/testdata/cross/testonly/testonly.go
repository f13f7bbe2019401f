// Package testonly compiles everywhere; its test does not on Windows.
package testonly

// Answer is 42.
func Answer() int { return 42 }
