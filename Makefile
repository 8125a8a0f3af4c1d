# Contract build targets (solc, ABI and bindings), when that part of the tree is present.
-include contracts/Makefile.inc

GO ?= go

.DEFAULT_GOAL := build
.PHONY: build test services lint dev bench soak

## build: the indexer binary in bin/
build:
	$(GO) build -o bin/indexer ./cmd/indexer

## test: start loopback PostgreSQL and Redis if they are not answering, then every test
test: services
	$(GO) test -count=1 ./...

## services: start loopback PostgreSQL and Redis if needed (scripts/services.sh)
services:
	bash scripts/services.sh

## lint: gofmt, go vet and govulncheck (skipped, saying so, when its database is unreachable)
lint:
	@files=$$(gofmt -l $$(find . -name '*.go' -not -path './contracts/node_modules/*' -not -path './tmp/*')); \
	if [ -n "$$files" ]; then echo "gofmt -w needed on:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...
	bash scripts/vulncheck.sh

## dev: the indexer against an in-process chain (needs DATABASE_URL)
dev:
	$(GO) run ./cmd/indexer dev

## bench: backfill benchmark on a synthetic chain (not part of test; prints events/s, COPY rate, RSS)
bench: services
	$(GO) build -o bin/bench ./cmd/bench
	./bin/bench $(BENCH_FLAGS)

## soak: reorg soak on the dev chain, compared with a fresh index (not part of test; SOAK_FLAGS=--forks 50)
soak: services
	$(GO) run ./cmd/soak $(SOAK_FLAGS)
