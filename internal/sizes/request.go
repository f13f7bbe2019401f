package sizes

import v1 "github.com/google/go-containerregistry/pkg/v1"

// Request is a comparison as the user asks for it (settings.Sizes reads
// it from the environment).
type Request struct {
	Image, Baseline string
	// Platforms to compare; empty means all of the image's.
	Platforms []v1.Platform
	// Depth is how much of the images to read.
	Depth  Depth
	Limits Limits
	// Strict makes a baseline registry that is unreachable or over its
	// rate limit an error rather than a fallback to the recorded figures.
	Strict bool
}

// DefaultBaseline is the base image of the service's Python twin: the
// smallest any Python build of the service can be.
const DefaultBaseline = "python:3.13-slim"
