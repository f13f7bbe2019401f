// Package dockerfile is the harness that proves the repository's
// Dockerfile without a Docker engine; only its tests use it, and the
// pipeline never does. It reads a Dockerfile with BuildKit's own parser,
// works out its stages with their build arguments in place, checks the
// runtime stage against the runtime contract (internal/contract), and
// replays a build stage's COPY and RUN steps on this machine.
//
// It stays a package, not test-only files, so that its code is held to
// the coverage floor, vetted and cross-compiled like the pipeline's.
package dockerfile

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// File is a parsed Dockerfile.
type File struct {
	stages   []instructions.Stage
	metaArgs []instructions.ArgCommand
}

// Parse reads a Dockerfile as `docker build` would.
func Parse(r io.Reader) (*File, error) {
	res, err := parser.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("parsing Dockerfile: %w", err)
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("parsing Dockerfile: %w", err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("parsing Dockerfile: no FROM")
	}
	return &File{stages: stages, metaArgs: meta}, nil
}

// Stage is one stage with its build arguments and ENV substituted.
type Stage struct {
	Name string
	// Base is the FROM image or stage, expanded.
	Base string
	// Platform is FROM's --platform as written, such as "$BUILDPLATFORM";
	// BuildKit fills in its automatic platform arguments.
	Platform string
	Steps    []Step
}

// Step is one instruction, expanded, with the ARG and ENV values in force
// when it runs (as KEY=VALUE).
type Step struct {
	Command instructions.Command
	Env     []string
}

// Stages expands every stage with the given --build-arg values; an ARG
// without one takes its default.
func (f *File) Stages(buildArgs map[string]string) ([]Stage, error) {
	lex := shell.NewLex(parser.DefaultEscapeToken)
	global := map[string]string{}
	for _, a := range f.metaArgs {
		for _, kv := range a.Args {
			if v, ok := buildArgs[kv.Key]; ok {
				global[kv.Key] = v
			} else if kv.Value != nil {
				v, _, err := lex.ProcessWord(*kv.Value, shell.EnvsFromSlice(envList(global)))
				if err != nil {
					return nil, fmt.Errorf("expanding ARG %s: %w", kv.Key, err)
				}
				global[kv.Key] = v
			}
		}
	}
	var out []Stage
	for _, st := range f.stages {
		base, _, err := lex.ProcessWord(st.BaseName, shell.EnvsFromSlice(envList(global)))
		if err != nil {
			return nil, fmt.Errorf("expanding FROM %s: %w", st.BaseName, err)
		}
		s := Stage{Name: st.Name, Base: base, Platform: st.Platform}
		env := map[string]string{}
		for _, cmd := range st.Commands {
			expand := func(word string) (string, error) {
				v, _, err := lex.ProcessWord(word, shell.EnvsFromSlice(envList(env)))
				return v, err
			}
			if e, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
				if err := e.Expand(expand); err != nil {
					return nil, fmt.Errorf("expanding %s in stage %q: %w", cmd.Name(), st.Name, err)
				}
			}
			switch c := cmd.(type) {
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					if v, ok := buildArgs[kv.Key]; ok {
						env[kv.Key] = v
					} else if kv.Value != nil {
						env[kv.Key] = *kv.Value
					} else if v, ok := global[kv.Key]; ok {
						env[kv.Key] = v
					}
				}
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					env[kv.Key] = kv.Value
				}
			}
			s.Steps = append(s.Steps, Step{Command: cmd, Env: envList(env)})
		}
		out = append(out, s)
	}
	return out, nil
}

func envList(m map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+m[k])
	}
	return out
}
