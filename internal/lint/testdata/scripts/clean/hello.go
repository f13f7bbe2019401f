//go:build ignore

// hello is a clean script.
package main

import "fmt"

func main() { fmt.Println("hello") }
