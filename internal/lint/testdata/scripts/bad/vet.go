//go:build ignore

package main

import "fmt"

func main() { fmt.Printf("%d\n", "not a number") }
