# Squall — run `make` for the list of targets.
SHELL := /bin/bash
GO    ?= go
BIN   := bin
PKGS  := ./...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
# Static binaries: no cgo, so one file runs on any Linux.
export CGO_ENABLED ?= 0

.DEFAULT_GOAL := help

.PHONY: help
help: ## show this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-8s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/squall and its st2 link (and every plugin binary)
	@mkdir -p $(BIN)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/squall ./host/cmd/squall
	@ln -sf squall $(BIN)/st2
	@ln -sf squall $(BIN)/st2-rule-tester
	@for p in plugins/*/; do \
	  [ -f "$$p/main.go" ] || continue; \
	  $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/squall-$$(basename $$p) ./$$p || exit 1; \
	done

.PHONY: run
run: build ## build, then start a single node with its data in ./squall-data
	$(BIN)/squall server --data-dir ./squall-data

.PHONY: test
test: build ## run every test: unit, then integration with the real binaries
	$(GO) test -count=1 -timeout 15m $(PKGS)

.PHONY: check
check: ## gofmt, go vet, and the import-direction rule from STYLE.md
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@bash .ci/check-imports.sh

.PHONY: proto
proto: ## regenerate gRPC code from proto/**/*.proto (protoc + protoc-gen-go[-grpc])
	@files=$$(find proto -name '*.proto'); \
	  if [ -z "$$files" ]; then echo "no .proto files yet"; exit 0; fi; \
	  PATH="$$PATH:$$($(GO) env GOPATH)/bin" protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative $$files

.PHONY: bench
bench: build ## load benchmarks on 1 node and 3 nodes: datastore, executions, webhooks into rules
	$(GO) run ./integration/loadgen -bin $(BIN)/squall

.PHONY: clean
clean: ## remove binaries and the default data dir
	rm -rf $(BIN) ./squall-data
