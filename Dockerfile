# syntax=docker/dockerfile:1
#
# The service, built with Docker for those who want it. `go tool mage build`
# makes the same binary without a Docker engine; internal/dockerfile's test
# checks that this file keeps matching it, flag for flag and byte for byte.
#
# It needs BuildKit (FROM --platform=$BUILDPLATFORM, RUN --mount): use
# `docker buildx build`, or DOCKER_BUILDKIT=1 with `docker build` on Docker
# before 23, where the legacy builder fails with `failed to parse platform :
# "" is an invalid component`.
#
#   docker buildx build --load \
#     --build-arg VERSION="$(git describe --tags)" \
#     --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg CREATED="$(git log -1 --format=%cI)" \
#     -t devops-info-service-go .

# Keep in step with go.mod's go line: the same compiler makes the same bytes.
ARG GO_VERSION=1.26.8

# The builder runs on the machine's own platform and cross-compiles for the
# target one, so `docker buildx build --platform linux/amd64,linux/arm64`
# compiles natively for both instead of under emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS builder
WORKDIR /src
# The service uses the standard library alone: building it needs go.mod and
# go.sum but downloads no module (the pipeline's own modules stay out).
COPY go.mod go.sum ./
COPY app/ ./app/
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
# Set by BuildKit from --platform (default: the machine's own).
ARG TARGETOS
ARG TARGETARCH
# The flags of internal/binary.Flags and the environment of binary.Env.
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS="$TARGETOS" GOARCH="$TARGETARCH" GOFLAGS= GOEXPERIMENT= \
    GOAMD64=v1 GOARM64=v8.0 GOARM=7 GOPROXY=off \
    go build -o bin/devops-info-service -trimpath -buildvcs=false \
      -ldflags="-s -w -buildid= -X main.version=${VERSION} -X main.commit=${REVISION} -X main.buildDate=${CREATED}" \
      ./app

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=https://github.com/lehus1/devops-info-service-go
LABEL org.opencontainers.image.title="devops-info-service" \
      org.opencontainers.image.description="DevOps course info service" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="NOASSERTION"
WORKDIR /app
COPY --from=builder /src/bin/devops-info-service /app/devops-info-service
USER 65532:65532
ENV PORT=8000
EXPOSE 8000
# No shell and no curl in this image: the binary is its own probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/app/devops-info-service", "healthcheck"]
ENTRYPOINT ["/app/devops-info-service"]
