//go:build ignore

// hyperfine-median prints the median, in seconds, of one command's runs in
// a hyperfine --export-json file.
//
//	go run scripts/bench/hyperfine-median.go FILE INDEX
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strconv"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	var r struct{ Results []struct{ Median float64 } }
	if err := json.Unmarshal(data, &r); err != nil {
		log.Fatal(err)
	}
	i, _ := strconv.Atoi(os.Args[2])
	fmt.Printf("%.3f\n", r.Results[i].Median)
}
