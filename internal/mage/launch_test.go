//go:build linux

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

const targets = `//go:build mage

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Echo copies a line of stdin, and names its parent.
func Echo() {
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	fmt.Printf("%s parent %d\n", line[:len(line)-1], os.Getppid())
}

// Exit exits 3.
func Exit() { os.Exit(3) }

// Wait waits for SIGTERM.
func Wait() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	fmt.Println("ready")
	<-c
	fmt.Println("terminated")
}
`

// launcher builds this package and returns the binary, and a project
// with targets.
func launcher(t *testing.T) (exe, project string) {
	t.Helper()
	testenv.SkipIfShort(t, "builds the launcher, the wrapper and magefiles")
	exe = filepath.Join(t.TempDir(), "mage")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build the launcher: %v\n%s", err, out)
	}
	project = t.TempDir()
	testenv.WriteFile(t, filepath.Join(project, "go.mod"), "module example.test/m\n\ngo 1.26\n")
	testenv.WriteFile(t, filepath.Join(project, "magefile.go"), targets)
	return exe, project
}

// The wrapper runs in the launcher's place: the target's parent is the
// process `go tool` started, stdin, stdout and exit codes pass, SIGTERM
// reaches the target. Two launchers at once on an empty cache both run,
// and leave one wrapper.
func TestLaunch(t *testing.T) {
	exe, project := launcher(t)
	cache := t.TempDir()
	t.Setenv("MAGEFILE_CACHE", cache)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			cmd := exec.Command(exe, "-d", project, "echo")
			cmd.Stdin = strings.NewReader("line " + strconv.Itoa(i) + "\n")
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			want := "line " + strconv.Itoa(i) + " parent " + strconv.Itoa(cmd.Process.Pid) + "\n"
			if err != nil || stdout.String() != want {
				t.Errorf("launcher echo = %v, stdout %q, stderr %q; want %q", err, stdout.String(), stderr.String(), want)
			}
		})
	}
	wg.Wait()
	if left, _ := filepath.Glob(filepath.Join(cache, "mage-wrapper-*")); len(left) != 1 {
		t.Errorf("two launchers left %q, want one wrapper", left)
	}
	if err := exec.Command(exe, "-d", project, "exit").Run(); exitCode(err) != 3 {
		t.Errorf("launcher exit = %v, want exit status 3", err)
	}
	if err := exec.Command(exe, "-d", project, "nosuchtarget").Run(); exitCode(err) != 2 {
		t.Errorf("launcher nosuchtarget = %v, want exit status 2, as mage", err)
	}

	cmd := exec.Command(exe, "-d", project, "wait")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("launcher wait printed %q, want ready", lines.Text())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if !lines.Scan() || lines.Text() != "terminated" {
		t.Errorf("launcher wait after SIGTERM printed %q, want terminated", lines.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("launcher wait after SIGTERM = %v, want the target's exit status 0", err)
	}
}

func exitCode(err error) int {
	if e, ok := err.(*exec.ExitError); ok {
		return e.ExitCode()
	}
	return -1
}

// A launcher killed while it builds the wrapper takes the go command down
// with it, as Ctrl-C would, and leaves no wrapper.
func TestKilledWhileBuilding(t *testing.T) {
	exe, project := launcher(t)
	cache := t.TempDir()
	t.Setenv("MAGEFILE_CACHE", cache)
	dir := t.TempDir()
	pid, interrupted := filepath.Join(dir, "pid"), filepath.Join(dir, "interrupted")
	fakeGo(t, "trap 'echo yes > "+interrupted+"; kill $!; exit 130' INT\necho $$ > "+pid+".tmp; mv "+pid+".tmp "+pid+"\nsleep 60 & wait\n")
	cmd := exec.Command(exe, "-d", project, "echo")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, pid)
	cmd.Process.Kill()
	cmd.Wait()
	waitFor(t, interrupted)
	if left, _ := filepath.Glob(filepath.Join(cache, "mage-wrapper-*")); len(left) > 0 {
		t.Errorf("a launcher killed while building left %q", left)
	}
}

func waitFor(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s not written within 30 s", path)
}
