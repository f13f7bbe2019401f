// Package race is clean without the race build tag.
package race

// Name is the package's name.
const Name = "race"
