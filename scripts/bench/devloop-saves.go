//go:build ignore

// Devloop-saves saves a one-line change to the service N times and times
// each, from the moment the file is written to the moment GET / serves
// the change; it prints the median in seconds on stdout, each save on
// stderr. The file is put back as it was at the end, whatever happens.
//
//	go run scripts/bench/devloop-saves.go -url http://127.0.0.1:PORT -n 10 [-after 'command']
//
// -after is a shell command run after each save, for a loop that does not
// watch (build, then restart): its time counts.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// The one line changed: the service's description, which GET / shows.
const (
	file = "app/info.go"
	line = `"DevOps course info service"`
)

func main() {
	url := flag.String("url", "", "the service, as http://127.0.0.1:PORT")
	n := flag.Int("n", 10, "saves")
	after := flag.String("after", "", "shell command run after each save")
	timeout := flag.Duration("timeout", 2*time.Minute, "longest wait for one save to be served")
	flag.Parse()
	if err := run(*url, *n, *after, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "devloop-saves:", err)
		os.Exit(1)
	}
}

func run(url string, n int, after string, timeout time.Duration) error {
	orig, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if !bytes.Contains(orig, []byte(line)) {
		return fmt.Errorf("%s has no %s to change", file, line)
	}
	defer os.WriteFile(file, orig, 0o644)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	client := &http.Client{Timeout: 2 * time.Second}
	var took []time.Duration
	for i := 1; i <= n; i++ {
		marker := fmt.Sprintf("devloop %d-%d", os.Getpid(), i)
		changed := bytes.Replace(orig, []byte(line), []byte(`"DevOps course info service (`+marker+`)"`), 1)
		if err := os.WriteFile(file, changed, 0o644); err != nil {
			return err
		}
		start := time.Now()
		if after != "" {
			cmd := exec.CommandContext(ctx, "sh", "-c", after)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("save %d: %s: %w", i, after, err)
			}
		}
		for !serves(client, url, marker) {
			if time.Since(start) > timeout || ctx.Err() != nil {
				return fmt.Errorf("save %d not served at %s/ within %s", i, url, timeout)
			}
			time.Sleep(5 * time.Millisecond)
		}
		d := time.Since(start)
		took = append(took, d)
		fmt.Fprintf(os.Stderr, "save %d: served in %.2f s\n", i, d.Seconds())
		time.Sleep(time.Second) // let the old version go before the next save
	}
	slices.Sort(took)
	median := (took[(len(took)-1)/2] + took[len(took)/2]) / 2
	fmt.Printf("%.2f\n", median.Seconds())
	return nil
}

func serves(c *http.Client, url, marker string) bool {
	res, err := c.Get(url + "/")
	if err != nil {
		return false
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return strings.Contains(string(body), marker)
}
