package dockerfile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Contract is what the runtime (last) stage must declare.
type Contract struct {
	Base        string // the FROM image
	BuilderBase string // the FROM image of the stage the binary is copied from
	// BuilderPlatform is that stage's FROM --platform: "$BUILDPLATFORM"
	// makes it cross-compile natively rather than run under emulation.
	BuilderPlatform string
	User            string // must not be root
	Workdir         string
	Port            string   // as in EXPOSE, without /tcp
	Entrypoint      []string // exec form
	Healthcheck     []string // exec form, without the leading "CMD"
	Labels          []string // keys that must be set to something
}

// Check lists how the Dockerfile, with its default build arguments, breaks c.
func (f *File) Check(c Contract) ([]string, error) {
	stages, err := f.Stages(nil)
	if err != nil {
		return nil, err
	}
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	for _, st := range stages {
		for _, step := range st.Steps {
			if add, ok := step.Command.(*instructions.AddCommand); ok {
				for _, src := range add.SourcePaths {
					if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
						bad("stage %q: ADD fetches %s from the network; download it in a RUN step with a checksum, or COPY it", st.Name, src)
					}
				}
			}
		}
	}
	rt := stages[len(stages)-1]
	if rt.Base != c.Base {
		bad("runtime stage: FROM %s, want %s", rt.Base, c.Base)
	}
	var user, workdir string
	var ports []string
	var entrypoint *instructions.EntrypointCommand
	var health *instructions.HealthCheckCommand
	labels := map[string]string{}
	var copiedFrom, copiedTo string
	for _, step := range rt.Steps {
		switch cmd := step.Command.(type) {
		case *instructions.UserCommand:
			user = cmd.User
		case *instructions.WorkdirCommand:
			workdir = cmd.Path
		case *instructions.ExposeCommand:
			ports = append(ports, cmd.Ports...)
		case *instructions.EntrypointCommand:
			entrypoint = cmd
		case *instructions.HealthCheckCommand:
			health = cmd
		case *instructions.LabelCommand:
			for _, kv := range cmd.Labels {
				labels[kv.Key] = kv.Value
			}
		case *instructions.CopyCommand:
			if cmd.From != "" {
				copiedFrom, copiedTo = cmd.From, cmd.DestPath
			}
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		bad("runtime stage: runs as root (USER %q); want USER %s", user, c.User)
	} else if user != c.User {
		bad("runtime stage: USER %s, want %s", user, c.User)
	}
	if workdir != c.Workdir {
		bad("runtime stage: WORKDIR %q, want %s", workdir, c.Workdir)
	}
	if !slices.Contains(ports, c.Port) && !slices.Contains(ports, c.Port+"/tcp") {
		bad("runtime stage: EXPOSE %v, want %s", ports, c.Port)
	}
	switch {
	case entrypoint == nil:
		bad("runtime stage: no ENTRYPOINT; want %q", c.Entrypoint)
	case entrypoint.PrependShell:
		bad("runtime stage: ENTRYPOINT in shell form; want the exec form %q (no shell in the image, and signals must reach the service)", c.Entrypoint)
	case !slices.Equal(entrypoint.CmdLine, c.Entrypoint):
		bad("runtime stage: ENTRYPOINT %q, want %q", entrypoint.CmdLine, c.Entrypoint)
	}
	want := append([]string{"CMD"}, c.Healthcheck...)
	if health == nil || !slices.Equal(health.Health.Test, want) {
		var got []string
		if health != nil {
			got = health.Health.Test
		}
		bad("runtime stage: HEALTHCHECK %q, want %q", got, want)
	}
	for _, k := range c.Labels {
		if labels[k] == "" {
			bad("runtime stage: no LABEL %s", k)
		}
	}
	if copiedFrom == "" {
		bad("runtime stage: copies nothing from a build stage")
	} else if len(c.Entrypoint) > 0 && copiedTo != c.Entrypoint[0] {
		bad("runtime stage: copies the build to %s, want %s", copiedTo, c.Entrypoint[0])
	} else if i := slices.IndexFunc(stages, func(s Stage) bool { return s.Name == copiedFrom }); i < 0 || stages[i].Base != c.BuilderBase {
		got := ""
		if i >= 0 {
			got = stages[i].Base
		}
		bad("build stage %q: FROM %q, want %s", copiedFrom, got, c.BuilderBase)
	} else if stages[i].Platform != c.BuilderPlatform {
		bad("build stage %q: FROM --platform=%q, want --platform=%s (cross-compile natively, not under emulation)", copiedFrom, stages[i].Platform, c.BuilderPlatform)
	}
	return problems, nil
}
