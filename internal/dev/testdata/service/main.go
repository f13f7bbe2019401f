// The stand-in for the service that dev's tests build, again and again:
// GET / answers with its marker (marker.go, which the tests write) and its
// pid, GET /health with ok, on HOST:PORT; on SIGTERM it stops taking
// connections, finishes the requests it has and exits 0, as the real
// service does. The marker "crash" exits 3 at once; "stubborn" ignores
// SIGTERM.
//
// HTTP/1.1 by hand, with keep-alive, rather than net/http: a third of the
// size, so that each of the tests' builds links, and each of their images
// compresses, in a third of the time.
package main

import (
	"bufio"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	switch marker {
	case "crash":
		os.Stderr.WriteString("crashing on purpose\n")
		os.Exit(3)
	case "stubborn":
		sigs = sigs[:1]
		signal.Ignore(syscall.SIGTERM)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, sigs...)
	ln, err := net.Listen("tcp", net.JoinHostPort(os.Getenv("HOST"), os.Getenv("PORT")))
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	s := &server{conns: map[net.Conn]bool{}}
	go func() {
		<-stop
		s.shutdown(ln)
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		s.serve(c)
	}
	s.wg.Wait()
}

type server struct {
	mu      sync.Mutex
	conns   map[net.Conn]bool // true while a request is being answered
	closing bool
	wg      sync.WaitGroup
}

// shutdown stops taking connections and closes the idle ones; the busy
// ones close once their answer is written.
func (s *server) shutdown(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	ln.Close()
	for c, busy := range s.conns {
		if !busy {
			c.Close()
		}
	}
}

func (s *server) serve(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		c.Close()
		return
	}
	s.conns[c] = false
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		r := bufio.NewReader(c)
		for s.answer(c, r) {
		}
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
}

// answer reads one request (a GET: no body) and answers it, and reports
// whether the connection stays open for the next.
func (s *server) answer(c net.Conn, r *bufio.Reader) bool {
	line, err := r.ReadString('\n')
	if err != nil {
		return false
	}
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
	keep := true
	for {
		h, err := r.ReadString('\n')
		if err != nil {
			return false
		}
		if h = strings.TrimSpace(h); h == "" {
			break
		}
		if k, v, _ := strings.Cut(h, ":"); strings.EqualFold(k, "Connection") && strings.EqualFold(strings.TrimSpace(v), "close") {
			keep = false
		}
	}
	status, body := "404 Not Found", "not found"
	switch strings.Fields(line + " x x")[1] {
	case "/":
		status, body = "200 OK", marker+" "+strconv.Itoa(os.Getpid())
	case "/health":
		status, body = "200 OK", "ok"
	}
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err = c.Write([]byte("HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c] = false
	return err == nil && keep && !s.closing
}
