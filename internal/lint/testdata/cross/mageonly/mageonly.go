// Package mageonly compiles everywhere without the mage tag.
package mageonly

// Name is the package's name.
const Name = "mageonly"
