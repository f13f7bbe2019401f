package engine

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lehus1/devops-info-service-go/internal/testenv"
)

// A container that ends while it serves is said as what ended: the
// container, with its last log line, or the engine, when the engine no
// longer answers (it said the container had exited). The client here is a
// script whose `wait` returns at once.
func TestServeEnded(t *testing.T) {
	testenv.SkipOnWindows(t, "a shell script stands in for the client")
	local := randomLocal(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // the service, answering /health
	if err != nil {
		t.Fatal(err)
	}
	go http.Serve(ln, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(func() { ln.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	for _, tt := range []struct{ name, inspect, want string }{
		{"engine gone", `echo "Cannot connect to the Docker daemon at unix:///gone.sock. Is the docker daemon running?" >&2; exit 1`,
			"lost the docker engine while container devops-info-service-"},
		{"container exited", `echo '[{"State":{"Running":false,"ExitCode":2}}]'`, "exited: panic: boom"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			script := `case "$1" in
version) echo 28.0.0;;
wait|ps|load|image|run|rm|stop) ;;
logs) echo "panic: boom";;
inspect) ` + tt.inspect + `;;
*) exit 1;;
esac`
			e := Engine{Name: Docker, Path: "/bin/sh", Args: []string{"-c", script, "docker"}}
			err := Serve(context.Background(), Choice{Engine: e}, local, port, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Serve(%s) = %v, want %q", tt.name, err, tt.want)
			}
		})
	}
}

// A stop slower than mage waits for after Ctrl-C is said in a line that
// names the container and what becomes of it; a quick one says nothing.
// The client is a script whose `stop` takes delay.
func TestServeSlowStopIsSaid(t *testing.T) {
	testenv.SkipOnWindows(t, "a shell script stands in for the client")
	t.Parallel()
	local := randomLocal(t)
	for _, tt := range []struct {
		name, delay string
		said        bool
	}{
		{"quick", "0", false},
		{"slow", "4", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0") // the service, answering /health
			if err != nil {
				t.Fatal(err)
			}
			go http.Serve(ln, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			t.Cleanup(func() { ln.Close() })
			script := `case "$1" in
version) echo 28.0.0;;
ps|load|image|run|rm|logs) ;;
wait) sleep 5;;
stop) sleep ` + tt.delay + `;;
inspect) echo '[{"State":{"Running":false,"ExitCode":0}}]';;
*) exit 1;;
esac`
			e := Engine{Name: Docker, Path: "/bin/sh", Args: []string{"-c", script, "docker"}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var logs testenv.Buffer
			// Ctrl-C once the URL is out.
			url := writerFunc(func(p []byte) (int, error) { cancel(); return len(p), nil })
			if err := Serve(ctx, Choice{Engine: e}, local, ln.Addr().(*net.TCPAddr).Port, url, &logs); err != nil {
				t.Fatalf("Serve() = %v", err)
			}
			if said := strings.Contains(logs.String(), "still removing container devops-info-service-"); said != tt.said {
				t.Errorf("\"still removing\" said = %v, want %v:\n%s", said, tt.said, logs.String())
			}
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// randomLocal is a Local whose tarball holds a random image, tagged
// localhost/x:1.
func randomLocal(t *testing.T) Local {
	t.Helper()
	local := Local{Tarball: filepath.Join(t.TempDir(), "image.tar")}
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(local.Tarball, name.MustParseReference("localhost/x:1"), img); err != nil {
		t.Fatal(err)
	}
	return local
}

// The reaper stops, removes and untags as its job says, with the
// container's name and the tag; it says what failed on stderr and exits
// 1, and 2 on a job it cannot read. The client is a script that notes
// its calls and fails those the case names.
func TestReapMain(t *testing.T) {
	testenv.SkipOnWindows(t, "a shell script stands in for the client")
	for _, tt := range []struct {
		name, job, fails string
		status           int
		stderr           string
	}{
		{"stops and removes", "", "", 0, ""},
		{"untag fails", "", "rmi", 1, "removing the image localhost/x:1: docker rmi: Error: refused"},
		{"stop fails, removed all the same", "", "stop", 1, "docker stop: Error: refused"},
		{"unreadable job", "{", "", 2, "reading " + reapEnv},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := filepath.Join(t.TempDir(), "calls")
			script := `echo "$*" >>` + calls + `
if [ "$1" = "` + tt.fails + `" ]; then echo "Error: refused" >&2; exit 1; fi`
			job := tt.job
			if job == "" {
				b, err := json.Marshal(reapJob{Engine: Engine{Name: Docker, Path: "/bin/sh", Args: []string{"-c", script, "docker"}}, Name: "ctr", Tag: "localhost/x:1", Grace: 3 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				job = string(b)
			}
			var stderr strings.Builder
			if got := reapMain(job, &stderr); got != tt.status || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("reapMain() = %d, stderr %q; want %d, %q", got, stderr.String(), tt.status, tt.stderr)
			}
			if tt.job != "" {
				return
			}
			data, err := os.ReadFile(calls)
			if want := "stop --time 3 ctr\nrm --force ctr\nrmi localhost/x:1\n"; err != nil || string(data) != want {
				t.Errorf("the client's calls = %q, %v; want %q", data, err, want)
			}
		})
	}
}
