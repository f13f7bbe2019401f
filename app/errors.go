package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
)

type errorResponse struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// writeJSON encodes v before touching w, so an encoding error can still
// become a clean 500 instead of half a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(errorResponse{"Internal Server Error", "An unexpected error occurred"})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, errorResponse{Error: http.StatusText(status), Message: message})
}

// jsonErrors answers what the mux does not route with the contract's JSON
// bodies instead of net/http's plain text and HTML. The mux still decides:
// it knows whether a path exists under another method (405, with its Allow
// header) or not at all (404), and which unclean paths ("//health") it
// redirects to their clean form.
func jsonErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" && !redirected(r) {
			mux.ServeHTTP(w, r) // sets r.Pattern and path values for the handler
			return
		}
		rec := &headerRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		path := r.URL.Path
		if path == "" {
			path = r.RequestURI // CONNECT host:port
		}
		switch rec.status {
		case http.StatusMethodNotAllowed:
			allow := rec.header.Get("Allow")
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not allowed for %s; allowed: %s", r.Method, path, allow))
		case http.StatusNotFound:
			writeError(w, http.StatusNotFound, fmt.Sprintf("Endpoint %s does not exist", path))
		default:
			loc := rec.header.Get("Location")
			w.Header().Set("Location", loc)
			writeError(w, rec.status, fmt.Sprintf("Endpoint %s is at %s", path, loc))
		}
	})
}

// redirected says whether the mux would redirect r to a cleaner path.
func redirected(r *http.Request) bool {
	if r.Method == http.MethodConnect {
		return false
	}
	p := r.URL.Path
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return p != clean
}

// headerRecorder keeps the status and headers that the mux's built-in
// handlers set, and throws their plain-text body away.
type headerRecorder struct {
	header http.Header
	status int
}

func (r *headerRecorder) Header() http.Header { return r.header }
func (r *headerRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *headerRecorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return len(b), nil
}

// recoverPanics turns a handler's panic into the contract's 500 and a log
// line with the stack; the client never sees the panic value.
func recoverPanics(d deps, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil || v == http.ErrAbortHandler {
				if v != nil {
					panic(v)
				}
				return
			}
			d.logger.Error("handler panicked", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
				// Headers are gone already: all that is left is to cut the response short.
				panic(http.ErrAbortHandler)
			}
			writeError(w, http.StatusInternalServerError, "An unexpected error occurred")
		}()
		next.ServeHTTP(w, r)
	})
}
