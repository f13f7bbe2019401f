package lint

import (
	"context"
	"fmt"
	"strings"
)

// crossCheck type-checks the packages for each target without cgo, as a
// macOS or Windows machine compiles them: `go vet` with the tags (so the
// magefile too), which checks every package and every package's tests. A
// call that exists only on Linux (a syscall constant, a SysProcAttr field)
// fails here, on Linux, before it reaches a user. go vet rather than
// `go build` and `go test -c`: it finds the same errors in about a second
// per target, where linking the service and every test binary takes half
// a minute.
func crossCheck(ctx context.Context, dir string, o options) (string, error) {
	var findings []string
	for _, t := range o.targets {
		goos, goarch, ok := strings.Cut(t, "/")
		if !ok || goos == "" || goarch == "" {
			return "", fmt.Errorf("target %q is not GOOS/GOARCH, such as darwin/arm64", t)
		}
		env := []string{"GOOS=" + goos, "GOARCH=" + goarch, "CGO_ENABLED=0"}
		out, err := runGo(ctx, dir, env, append([]string{"vet", "-tags", o.tags}, o.packages...)...)
		if err != nil {
			return "", fmt.Errorf("go vet for %s: %w", t, err)
		}
		if out != "" {
			findings = append(findings, t+":\n"+strings.TrimRight(out, "\n"))
		}
	}
	return strings.Join(findings, "\n"), nil
}
