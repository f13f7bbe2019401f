package registryhttp

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Redactor keeps the credentials that were sent, each in every encoding it
// may come back in, and replaces them with "***".
type Redactor struct {
	mu    sync.Mutex
	forms map[string]bool
}

// newRedactor is a Redactor that knows secrets already.
func newRedactor(secrets ...string) *Redactor {
	r := &Redactor{forms: map[string]bool{}}
	r.Add(secrets...)
	return r
}

// Add adds secrets: each as it is, in base64 (standard and URL, padded or
// not), URL-escaped, and escaped as JSON and Go quote them.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		js, _ := json.Marshal(s)
		for _, f := range []string{s,
			base64.StdEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s)),
			base64.URLEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s)),
			url.QueryEscape(s), url.PathEscape(s), strings.Trim(string(js), `"`), strings.Trim(strconv.Quote(s), `"`),
		} {
			r.forms[f] = true
		}
	}
}

// AddAuthorization adds the credentials in an Authorization header's
// value: the whole value, a Bearer token, a Basic header's base64 and the
// user:password and password it decodes to.
func (r *Redactor) AddAuthorization(header string) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok {
		r.Add(header)
		return
	}
	cred = strings.TrimSpace(cred)
	r.Add(header, cred)
	if strings.EqualFold(scheme, "basic") {
		if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
			_, pass, _ := strings.Cut(string(raw), ":")
			r.Add(string(raw), pass)
		}
	}
}

// String is s with every known secret replaced by "***", longest first,
// so that a secret inside another goes with it.
func (r *Redactor) String(s string) string {
	r.mu.Lock()
	forms := make([]string, 0, len(r.forms))
	for f := range r.forms {
		forms = append(forms, f)
	}
	r.mu.Unlock()
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, "***")
	}
	return s
}

// Error is err with every known secret replaced by "***"; err itself when
// it holds none, so that errors.Is and errors.As still see through it.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := r.String(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}
