package image

// BuildForTest is build, for the client tests in package image_test.
var BuildForTest = build
