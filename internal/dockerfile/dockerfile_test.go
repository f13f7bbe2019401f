package dockerfile

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/lehus1/devops-info-service-go/internal/binary"
	"github.com/lehus1/devops-info-service-go/internal/contract"
	"github.com/lehus1/devops-info-service-go/internal/version"
)

const root = "../.."

func repoDockerfile(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func parse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatalf("Parse(): %v", err)
	}
	return f
}

// want is the image the pipeline makes, as the Dockerfile must make it.
func want(t *testing.T) Contract {
	t.Helper()
	toolchain, err := binary.Toolchain(root)
	if err != nil {
		t.Fatal(err)
	}
	return Contract{
		Base:            "gcr.io/distroless/static-debian12:nonroot",
		BuilderBase:     "golang:" + strings.TrimPrefix(toolchain, "go") + "-bookworm",
		BuilderPlatform: "$BUILDPLATFORM",
		User:            contract.User(),
		Workdir:         contract.Dir,
		Port:            strconv.Itoa(contract.Port),
		Entrypoint:      []string{contract.Binary},
		Healthcheck:     []string{contract.Binary, "healthcheck"},
		Labels: []string{"org.opencontainers.image.version", "org.opencontainers.image.revision",
			"org.opencontainers.image.source", "org.opencontainers.image.created"},
	}
}

func TestRepoDockerfileKeepsContract(t *testing.T) {
	problems, err := parse(t, repoDockerfile(t)).Check(want(t))
	if err != nil || len(problems) > 0 {
		t.Errorf("Dockerfile.Check() = %q, %v; want no problems", problems, err)
	}
}

func TestCheckFindsBreaches(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"root user", "USER 65532:65532", "USER root", `runs as root (USER "root")`},
		{"other user", "USER 65532:65532", "USER 1000", "USER 1000, want 65532:65532"},
		{"no user", "USER 65532:65532\n", "", `runs as root (USER "")`},
		{"workdir", "WORKDIR /app", "WORKDIR /srv", `WORKDIR "/srv", want /app`},
		{"port", "EXPOSE 8000", "EXPOSE 8080", "EXPOSE [8080], want 8000"},
		{"shell entrypoint", `ENTRYPOINT ["/app/devops-info-service"]`, "ENTRYPOINT /app/devops-info-service", "shell form"},
		{"other entrypoint", `ENTRYPOINT ["/app/devops-info-service"]`, `ENTRYPOINT ["/app/other"]`, `ENTRYPOINT ["/app/other"]`},
		{"no entrypoint", `ENTRYPOINT ["/app/devops-info-service"]`, "", "no ENTRYPOINT"},
		{"healthcheck", `CMD ["/app/devops-info-service", "healthcheck"]`, `CMD ["curl", "-f", "localhost:8000/health"]`, "HEALTHCHECK"},
		{"label", `org.opencontainers.image.revision="${REVISION}"`, `x=y`, "no LABEL org.opencontainers.image.revision"},
		{"runtime base", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM alpine:3", "FROM alpine:3, want gcr.io/distroless"},
		{"builder go version", "ARG GO_VERSION=1.26.8", "ARG GO_VERSION=1.25.0", `FROM "golang:1.25.0-bookworm"`},
		{"copy target", "/app/devops-info-service\nUSER", "/usr/bin/svc\nUSER", "copies the build to /usr/bin/svc"},
		{"remote add", "COPY app/ ./app/", "ADD https://example.com/x.tar.gz /x\nCOPY app/ ./app/", "ADD fetches https://example.com/x.tar.gz"},
		{"builder under emulation", "FROM --platform=$BUILDPLATFORM golang", "FROM golang", `FROM --platform="", want --platform=$BUILDPLATFORM`},
		{"no copy from builder", "COPY --from=builder /src/bin/devops-info-service /app/devops-info-service\n", "", "copies nothing from a build stage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := repoDockerfile(t)
			if !strings.Contains(src, tt.old) {
				t.Fatalf("Dockerfile lacks %q; the test needs updating", tt.old)
			}
			problems, err := parse(t, strings.Replace(src, tt.old, tt.new, 1)).Check(want(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 1 || !strings.Contains(problems[0], tt.want) {
				t.Errorf("Check() = %q, want one problem containing %q", problems, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{"", "RUN echo no base", "FROM alpine\nFROBNICATE x\n"} {
		if _, err := Parse(strings.NewReader(src)); err == nil {
			t.Errorf("Parse(%q) = nil error, want one", src)
		}
	}
}

func TestStagesExpandArgs(t *testing.T) {
	f := parse(t, "ARG V=1\nARG BASE=alpine:${V}\nFROM ${BASE} AS a\nARG V\nARG W=w\nENV X=${W}-${V}\nWORKDIR /${X}\n")
	stages, err := f.Stages(map[string]string{"W": "override"})
	if err != nil {
		t.Fatal(err)
	}
	got := stages[0]
	wd := got.Steps[len(got.Steps)-1]
	if got.Base != "alpine:1" || wd.Command.(*instructions.WorkdirCommand).Path != "/override-1" {
		t.Errorf("Stages() base %q, workdir %q; want alpine:1 and /override-1", got.Base, wd.Command.(*instructions.WorkdirCommand).Path)
	}
	if diff := cmp.Diff([]string{"V=1", "W=override", "X=override-1"}, wd.Env); diff != "" {
		t.Errorf("Stages() env (-want +got):\n%s", diff)
	}
}

// The .dockerignore is an allow-list: of a tree holding secrets, VCS data
// and build output, only what the build needs gets through.
func TestContextIsAllowList(t *testing.T) {
	dir := t.TempDir()
	ignore, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".dockerignore", "go.mod", "go.sum", "app/main.go", "app/sub/x.go", "app/main_test.go",
		".git/config", "dist/bin/x", ".env", "app/.env.local", "id_rsa", "key.pem", "magefile.go", "internal/x/x.go", "README.md"} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		content := []byte("x")
		if name == ".dockerignore" {
			content = ignore
		}
		os.WriteFile(p, content, 0o600)
	}
	got, err := Context(dir)
	if err != nil {
		t.Fatal(err)
	}
	// app/.env.local is the app's own file; allow-listing app/ lets it in,
	// so the test shows it: keep secrets out of app/.
	want := []string{"app/.env.local", "app/main.go", "app/sub/x.go", "go.mod", "go.sum"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Context() (-want +got):\n%s", diff)
	}
}

// The Dockerfile's build stage, replayed here in a clean copy of the
// allowed context, makes the very binary `mage build` makes: same flags,
// same stamping, same bytes.
func TestBuilderStageMatchesPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the service twice; skipped with -short")
	}
	info := version.Info{Version: "4.5.6", Commit: "89abcdef0123456789abcdef0123456789abcdef", Time: time.Unix(1760000000, 0).UTC()}
	stages, err := parse(t, repoDockerfile(t)).Stages(map[string]string{
		"VERSION": info.Version, "REVISION": info.Commit, "CREATED": info.Time.Format(time.RFC3339),
		"TARGETOS": "linux", "TARGETARCH": "amd64",
	})
	if err != nil {
		t.Fatal(err)
	}
	runtime := stages[len(stages)-1]
	var builder Stage
	var binPath string
	for _, step := range runtime.Steps {
		if c, ok := step.Command.(*instructions.CopyCommand); ok && c.From != "" {
			for _, s := range stages {
				if s.Name == c.From {
					builder, binPath = s, c.SourcePaths[0]
				}
			}
		}
	}
	if builder.Name == "" {
		t.Fatal("no stage that the runtime stage copies from")
	}
	toolchain, err := binary.Toolchain(root)
	if err != nil {
		t.Fatal(err)
	}
	fs := t.TempDir()
	var log strings.Builder
	// The golang image's toolchain is the one its tag names. Its module
	// cache starts empty: the build stage must not need the pipeline's
	// modules, nor any other.
	env := append(os.Environ(), "GOTOOLCHAIN="+toolchain, "GOMODCACHE="+t.TempDir())
	if err := Replay(t.Context(), builder, root, fs, env, &log); err != nil {
		t.Fatalf("Replay(): %v\n%s", err, log.String())
	}
	fromDocker := sha256File(t, filepath.Join(fs, path.Clean(binPath)))

	built, err := binary.Build(t.Context(), root, info, binary.WithOutput(t.TempDir()), binary.WithPlatforms(v1.Platform{OS: "linux", Architecture: "amd64"}))
	if err != nil {
		t.Fatal(err)
	}
	if fromDocker != built[0].SHA256 {
		t.Errorf("Dockerfile's builder made %s, mage build made %s: the build flags have drifted apart", fromDocker, built[0].SHA256)
	}
	if strings.Contains(log.String(), "go mod download") {
		t.Errorf("the build stage downloads modules; the service needs none:\n%s", log.String())
	}
}

func TestReplayRefusesWhatContextExcludes(t *testing.T) {
	tests := []struct{ src, want string }{
		{"FROM x\nCOPY .git/config /c\n", "not in the build context"},
		{"FROM x\nCOPY *.go /c/\n", "wildcards are not replayed"},
		{"FROM x AS a\nFROM x\nCOPY --from=a /a /b\n", "copies between stages are not replayed"},
		{"FROM x\nRUN exit 3\n", "replaying RUN exit 3"},
	}
	for _, tt := range tests {
		stages, err := parse(t, tt.src).Stages(nil)
		if err != nil {
			t.Fatal(err)
		}
		err = Replay(t.Context(), stages[len(stages)-1], root, t.TempDir(), os.Environ(), &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Replay(%q) = %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestReplayCopiesAndRuns(t *testing.T) {
	ctxDir := t.TempDir()
	os.WriteFile(filepath.Join(ctxDir, "a.txt"), []byte("A"), 0o644)
	os.MkdirAll(filepath.Join(ctxDir, "d", "e"), 0o755)
	os.WriteFile(filepath.Join(ctxDir, "d", "e", "b.txt"), []byte("B"), 0o644)
	stages, err := parse(t, "FROM x\nWORKDIR /w\nCOPY a.txt ./\nCOPY d/ ./dd/\nCOPY a.txt renamed.txt\nARG GREETING=hi\nRUN echo \"$GREETING\" > out.txt\nWORKDIR sub\nRUN [\"touch\", \"exec-form\"]\n").Stages(nil)
	if err != nil {
		t.Fatal(err)
	}
	fs := t.TempDir()
	if err := Replay(t.Context(), stages[0], ctxDir, fs, os.Environ(), &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"w/a.txt": "A", "w/dd/e/b.txt": "B", "w/renamed.txt": "A", "w/out.txt": "hi\n", "w/sub/exec-form": ""} {
		if got, err := os.ReadFile(filepath.Join(fs, name)); err != nil || string(got) != want {
			t.Errorf("after Replay, %s = %q, %v; want %q", name, got, err, want)
		}
	}
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
