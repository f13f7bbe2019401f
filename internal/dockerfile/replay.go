package dockerfile

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Replay carries out a build stage's WORKDIR, COPY and RUN steps on this
// machine: root stands for the stage's "/", files come from the context in
// contextDir as .dockerignore filters it, and RUN commands get env plus the
// stage's ARG and ENV values. It stands in for a Docker engine in tests, so
// it has no isolation: a RUN step that writes to absolute paths writes to
// this machine's.
func Replay(ctx context.Context, st Stage, contextDir, root string, env []string, log io.Writer) error {
	files, err := Context(contextDir)
	if err != nil {
		return err
	}
	wd := "/"
	for _, step := range st.Steps {
		switch cmd := step.Command.(type) {
		case *instructions.WorkdirCommand:
			wd = path.Join(wd, cmd.Path)
			if path.IsAbs(cmd.Path) {
				wd = path.Clean(cmd.Path)
			}
			if err := os.MkdirAll(filepath.Join(root, wd), 0o755); err != nil {
				return fmt.Errorf("replaying WORKDIR %s: %w", cmd.Path, err)
			}
		case *instructions.CopyCommand:
			if cmd.From != "" {
				return fmt.Errorf("replaying COPY --from=%s: copies between stages are not replayed", cmd.From)
			}
			if err := copySources(files, contextDir, filepath.Join(root, wd), cmd.SourcesAndDest); err != nil {
				return err
			}
		case *instructions.RunCommand:
			args := cmd.CmdLine
			if cmd.PrependShell {
				args = []string{"/bin/sh", "-c", strings.Join(cmd.CmdLine, " ")}
			}
			fmt.Fprintf(log, "RUN %s\n", strings.Join(cmd.CmdLine, " "))
			c := exec.CommandContext(ctx, args[0], args[1:]...)
			c.Dir = filepath.Join(root, wd)
			c.Env = append(append([]string{}, env...), step.Env...)
			c.Stdout, c.Stderr = log, log
			if err := c.Run(); err != nil {
				return fmt.Errorf("replaying RUN %s: %w", strings.Join(cmd.CmdLine, " "), err)
			}
		}
	}
	return nil
}

// copySources copies each source (a file, or a folder's contents) of the
// context into dest, taking only what the context lets through.
func copySources(files []string, contextDir, dest string, sd instructions.SourcesAndDest) error {
	for _, src := range sd.SourcePaths {
		if strings.ContainsAny(src, "*?[") {
			return fmt.Errorf("replaying COPY %s: wildcards are not replayed", src)
		}
		src = strings.TrimPrefix(path.Clean("/"+src), "/")
		found := false
		for _, f := range files {
			var target string
			switch {
			case f == src && (strings.HasSuffix(sd.DestPath, "/") || len(sd.SourcePaths) > 1):
				target = filepath.Join(dest, sd.DestPath, path.Base(f))
			case f == src:
				target = filepath.Join(dest, sd.DestPath)
			case src == "" || strings.HasPrefix(f, src+"/"):
				target = filepath.Join(dest, sd.DestPath, strings.TrimPrefix(strings.TrimPrefix(f, src), "/"))
			default:
				continue
			}
			found = true
			if err := copyFile(filepath.Join(contextDir, f), target); err != nil {
				return fmt.Errorf("replaying COPY %s: %w", src, err)
			}
		}
		if !found {
			return fmt.Errorf("replaying COPY %s: not in the build context (is it excluded by .dockerignore?)", src)
		}
	}
	return nil
}

func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}
