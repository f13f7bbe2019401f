package binary

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

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
	e, err := pinnedEnv(ctx, dir)
	if err != nil {
		return nil, err
	}
	env, err := e.command(p)
	if err != nil {
		return nil, err
	}
	return &Compiler{dir: dir, pkg: pkg, env: env, flags: Flags(info)}, nil
}

// Compile writes the executable to out. When the code does not compile
// the error is a *CompileError. go build's work folder goes beside out
// (GOTMPDIR): an interrupted go build leaves it behind, and whoever
// removes out's folder then removes it too.
func (c *Compiler) Compile(ctx context.Context, out string) error {
	env := append(slices.Clone(c.env), "GOTMPDIR="+filepath.Dir(out))
	return goBuild(ctx, c.dir, env, c.flags, out, c.pkg)
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
	// Cancelled (Ctrl-C), go build is interrupted rather than killed, so
	// that it stops the compiler and linker and removes its work folder.
	cmd.Cancel = func() error {
		if runtime.GOOS == "windows" {
			return cmd.Process.Kill()
		}
		return cmd.Process.Signal(os.Interrupt)
	}
	cmd.WaitDelay = 3 * time.Second
	if output, err := cmd.CombinedOutput(); err != nil {
		return &CompileError{Args: args, Output: string(output), Err: err}
	}
	return nil
}
