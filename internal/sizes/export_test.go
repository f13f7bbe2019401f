package sizes

// The helpers of the internal tests that the external ones use.
var (
	LocalBaseline = localBaseline
	BasicAuth     = basicAuth
	RecordedFor   = recordedFor
)
