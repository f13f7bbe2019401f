// Command source prints what vulncheck.Source says of the packages of the
// module in a folder, as JSON: the tests run it with go run, as the
// magefile runs vulncheck's command, so that govulncheck's analysis of the
// service runs as it does there, without the race detector (17 s of CPU
// under -race, 3 s without).
//
//	go run ./internal/vulncheck/testdata/source DIR DB PACKAGE...
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/lehus1/devops-info-service-go/internal/vulncheck"
)

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: source DIR DB PACKAGE...")
		os.Exit(2)
	}
	r, err := vulncheck.Source(context.Background(), os.Args[1], os.Args[2], os.Args[3:]...)
	if err == nil {
		err = json.NewEncoder(os.Stdout).Encode(r)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
