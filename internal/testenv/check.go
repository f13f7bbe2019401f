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
