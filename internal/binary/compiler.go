package binary

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/version"
)

// Compiler compiles one platform's executable again and again with
// Build's flags and pinned environment, but without Build's up-to-date
// check and output folder: for a watch loop, where the go command's own
// cache keeps a rebuild short and each build goes to a path of its own.
type Compiler struct {
	dir, pkg   string
	env, flags []string
}

// NewCompiler is a Compiler of the main package pkg (such as "./app") of
// the module in dir for p. It reads the toolchain and the go env once.
func NewCompiler(ctx context.Context, dir, pkg string, info version.Info, p v1.Platform) (*Compiler, error) {
	envFor, err := pinnedEnv(ctx, dir)
	if err != nil {
		return nil, err
	}
	return &Compiler{dir: dir, pkg: pkg, env: envFor(p), flags: Flags(info)}, nil
}

// Compile writes the executable to out. When the code does not compile
// the error is a *CompileError.
func (c *Compiler) Compile(ctx context.Context, out string) error {
	return goBuild(ctx, c.dir, c.env, c.flags, out, c.pkg)
}

// CompileError is a go build that failed: Output is what the compiler
// said, such as "app/main.go:12:2: undefined: x".
type CompileError struct {
	Args   []string
	Output string
	Err    error
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("go %s: %v\n%s", strings.Join(e.Args, " "), e.Err, e.Output)
}

func (e *CompileError) Unwrap() error { return e.Err }

// goBuild is go build of pkg to out.
func goBuild(ctx context.Context, dir string, env, flags []string, out, pkg string) error {
	return goCommand(ctx, dir, env, append(append([]string{"build", "-o", out}, flags...), pkg)...)
}

// goCommand runs the go command with args; a failure is a *CompileError.
func goCommand(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	if output, err := cmd.CombinedOutput(); err != nil {
		return &CompileError{Args: args, Output: string(output), Err: err}
	}
	return nil
}
