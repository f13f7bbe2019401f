package testenv

import (
	"strings"
	"testing"
)

// WantErr checks the error of call, such as `Load("x")`, against want: a
// part of the error a table case expects, or "" for none. It fails the
// test where the two disagree, and reports whether call succeeded as
// wanted, so that the case goes on to check the result only then:
//
//	got, err := Load(tt.in)
//	if !testenv.WantErr(t, fmt.Sprintf("Load(%q)", tt.in), err, tt.wantErr) {
//		continue
//	}
func WantErr(t testing.TB, call string, err error, want string) bool {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s error = %v, want none", call, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%s error = %v, want %q", call, err, want)
	}
	return want == "" && err == nil
}

// Contains checks that got, what call wrote, holds every string of want
// and none of absent: a table case's lines of output that must, or must
// not, be there.
func Contains(t testing.TB, call, got string, want, absent []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", call, w, got)
		}
	}
	for _, a := range absent {
		if strings.Contains(got, a) {
			t.Errorf("%s has %q, want it not to:\n%s", call, a, got)
		}
	}
}
