package sizes

// Request is a comparison as the user asks for it (settings.Sizes reads
// it from the environment).
type Request struct {
	Image, Baseline string
	// Platforms to compare; empty means all of the image's.
	Platforms []string
	Depth     Depth
	Limits    Limits
	// Strict makes a fallback to the recorded baseline an error.
	Strict bool
}

// DefaultBaseline is the base image of the service's Python twin: the
// smallest any Python build of the service can be.
const DefaultBaseline = "python:3.13-slim"

// Options are the Compare options the request asks for.
func (r Request) Options() []Option {
	return []Option{WithDepth(r.Depth), WithStrict(r.Strict)}
}
