# syntax=docker/dockerfile:1
#
# The indexer as a container image: a static Go binary (no cgo) on a distroless base, run as a
# non-root user. The default command is `indexer run`, configured by environment variables
# (DATABASE_URL, CHAIN, RPC_URL, VALKEY_URL, HTTP_ADDR, ... see docs/configuration.md) or a YAML
# file (INDEXER_CONFIG=/path/indexer.yaml).
#
#   docker build -t erc8004-indexer .
#   docker run --rm -e DATABASE_URL=... -e CHAIN=base -e RPC_URL=... -p 127.0.0.1:9090:9090 erc8004-indexer

# Base images are named by tag: this repository was prepared without access to a registry, so
# no digest could be read and checked. Pin them for reproducible builds with the digest your
# registry serves, e.g. `docker buildx imagetools inspect golang:1.26-bookworm` and write
# FROM golang:1.26-bookworm@sha256:<digest> (the same for the distroless image below).
FROM golang:1.26-bookworm AS build
WORKDIR /src
# Dependencies first: this layer is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/indexer ./cmd/indexer

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/indexer /usr/local/bin/indexer
# distroless's nonroot user (uid 65532); nothing in the image runs as root.
USER nonroot:nonroot
# Inside a container the metrics endpoint must listen beyond loopback to be scraped.
ENV HTTP_ADDR=0.0.0.0:9090
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/indexer"]
CMD ["run"]
