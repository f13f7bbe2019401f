// Package clean has nothing to find.
package clean

// One returns 1.
func One() int { return 1 }
