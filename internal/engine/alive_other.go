//go:build !unix

package engine

// alive cannot tell here without more than the standard library: every
// owner counts as alive, so nothing of another run is ever removed.
func alive(int) bool { return true }
