# zhdj — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO    ?= go
DATA  ?= .data
BIN   := $(DATA)/bin
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# MinIO server, pinned; built from source into .data/bin and run as a
# separate process (it is AGPL: never imported).
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
MINIO := $(BIN)/minio
# SeaweedFS, pinned: the second S3-compatible store the media tests run
# against (Apache-2.0; run as a process all the same).
WEED_VERSION := v0.0.0-20261109003541-7506e5f91cd6
WEED := $(BIN)/weed
# The tests that run again on SeaweedFS: uploads through the server and
# straight to the store in parts (paused, resumed, storage down), refusals,
# quotas, private files and deletion, the sweep, and the restore drill.
S3_SUITE := ^(TestImageUploadAndDerivatives|TestUploadRefusals|TestDirectVideoUpload|TestDirectUploadFailures|TestQuotaUnderConcurrency|TestPrivateMediaAndDeletion|TestSweepKeepsFilesWhenStoreAndDatabaseDisagree|TestBackupRestoreDrill)$$
# The race detector needs cgo and a C compiler; use it when there is one.
RACE  := $(shell command -v gcc >/dev/null 2>&1 && echo -race)

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install what the local stack needs (PostgreSQL server binaries; ffprobe and ffmpeg for videos; Chromium for the browser tests; Node.js for the web build and the tests' WebSocket client) if missing
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "==> installing PostgreSQL (Debian package postgresql)"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql; \
	fi
	@# Videos work without them (their duration and poster are then missing,
	@# and processingNotes says so), so a machine without the package goes on.
	@if ! command -v ffprobe >/dev/null 2>&1 || ! command -v ffmpeg >/dev/null 2>&1; then \
		echo "==> installing ffprobe and ffmpeg (Debian package ffmpeg)"; \
		( $(SUDO) apt-get update -q && \
		  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ffmpeg ) || \
		echo "==> ffmpeg could not be installed: videos will have no duration or poster"; \
	fi
	@# The browser tests drive Debian's Chromium, headless (never a
	@# downloaded browser).
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "==> installing Chromium (Debian package chromium)"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-wqy-microhei; \
	fi
	@# The live-updates tests subscribe with the graphql-ws npm client; the
	@# web front ends are built with Node.js too.
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "==> installing Node.js and npm (Debian packages nodejs, npm)"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm; \
	fi

.PHONY: minio
minio: $(MINIO) ## install the pinned MinIO server into .data/bin (about 8 minutes the first time)

$(MINIO):
	@echo "==> building MinIO $(MINIO_VERSION) (cached after the first time)"
	GOBIN=$(abspath $(BIN)) $(GO) install github.com/minio/minio@$(MINIO_VERSION)

.PHONY: seaweedfs
seaweedfs: $(WEED) ## build the pinned SeaweedFS server into .data/bin (the second S3 store of the media tests; about 10 minutes the first time)

$(WEED):
	@echo "==> building SeaweedFS $(WEED_VERSION) (cached after the first time)"
	@# Its module has replace directives, which `go install pkg@version`
	@# refuses: it is built as its own main module, from a copy.
	src=$$(mktemp -d) && \
	dir=$$($(GO) mod download -json github.com/seaweedfs/seaweedfs@$(WEED_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p') && \
	test -n "$$dir" && cp -r "$$dir"/. "$$src" && chmod -R u+w "$$src" && \
	(cd "$$src" && GOFLAGS=-mod=mod $(GO) build -trimpath -o $(abspath $(WEED)) ./weed) && rm -rf "$$src"

.PHONY: build
build: ## build the zhdj binary into .data/bin
	$(GO) build -o $(BIN)/zhdj ./cmd/zhdj

.PHONY: run
run: deps minio build ## run everything locally: PostgreSQL and MinIO under .data, migrate, seed, serve on 127.0.0.1:8080 (Ctrl-C stops it all)
	$(BIN)/zhdj dev --data $(DATA) $(DEV_FLAGS)

.PHONY: test
# The WebSocket client the live-updates tests drive (graphql-ws, pinned by
# its lock file; node_modules is git-ignored).
WSCLIENT := internal/app/testdata/graphql-ws

.PHONY: test-clients
test-clients: $(WSCLIENT)/node_modules/.package-lock.json

$(WSCLIENT)/node_modules/.package-lock.json: $(WSCLIENT)/package-lock.json
	cd $(WSCLIENT) && npm ci --no-audit --no-fund

test: deps minio seaweedfs test-clients ## run the whole test suite (starts its own throw-away PostgreSQL clusters and MinIO servers; the media suite again on SeaweedFS)
	@# The browser tests fail (not skip) without Chromium here: make deps installed it.
	ZHDJ_REQUIRE_BROWSER=1 $(GO) test $(RACE) -count=1 -timeout 30m ./...
	@# The media suite on a second S3-compatible store (each test's outcome,
	@# and a failing test's messages).
	ZHDJ_TEST_S3=seaweedfs $(GO) test -count=1 -timeout 20m -run '$(S3_SUITE)' -v ./internal/app | grep -E '^(--- |ok|FAIL|PASS|panic)|^ +[a-z_]+_test\.go:[0-9]+:'; test $${PIPESTATUS[0]} -eq 0
	@# Say whether the Meilisearch integration suite ran (it needs MEILI_URL).
	@$(GO) test -count=1 -run 'TestContract$$' -v ./internal/search/meili | grep -E '^(--- |    meili_test)' || true

.PHONY: bench
bench: deps minio ## run the benchmarks in bench/ (they start their own services; see bench/README.md)
	$(GO) run ./bench/frontpage
	$(GO) run ./bench/volunteer
	$(GO) run ./bench/upload
	$(GO) run ./bench/search
	$(GO) run ./bench/export
	$(GO) run ./bench/learning
	$(GO) run ./bench/tasks
	$(GO) run ./bench/cockpit
	$(GO) run ./bench/interaction
	$(GO) run ./bench/scaleout

.PHONY: generate
generate: ## regenerate gqlgen and sqlc code
	$(GO) generate ./...

.PHONY: graphiql-assets
graphiql-assets: ## fetch the pinned GraphiQL and React files from npm into internal/graphiql/assets (committed; needs npm)
	internal/graphiql/fetch-assets.sh

.PHONY: common-passwords
common-passwords: ## refetch the leaked/common password list from npm into internal/account (committed; needs npm)
	internal/account/fetch-common-passwords.sh

.PHONY: check-generated
check-generated: generate ## fail when generated code is stale
	@if [ -n "$$(git status --porcelain -- graph internal gqlgen.yml)" ]; then \
		echo "generated code is stale; run 'make generate' and commit:"; \
		git status --porcelain -- graph internal gqlgen.yml; \
		git --no-pager diff --stat -- graph internal; \
		exit 1; \
	fi

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The admin console and the demo front end (web/, Vue + Vite), built into
# internal/console/dist, which is committed: `go build` alone gives a
# binary with them, and `make run` needs no Node.js.
WEB := web

.PHONY: web
web: $(WEB)/node_modules/.package-lock.json ## rebuild the console and the demo front end into internal/console/dist (needs Node.js; commit the result)
	cd $(WEB) && npm run build

$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "building web/ needs Node.js and npm: run make deps"; exit 1; }
	cd $(WEB) && npm ci --no-audit --no-fund

.PHONY: check-web
check-web: web ## fail when the committed web build differs from a build of web/ by its lock file
	@if [ -n "$$(git status --porcelain -- internal/console/dist)" ]; then \
		echo "the web build is stale; run 'make web' and commit:"; \
		git status --porcelain -- internal/console/dist; \
		exit 1; \
	fi

.PHONY: check
check: lint check-generated check-web ## everything CI checks besides the tests

.PHONY: clean
clean: ## remove built binaries (keeps the local database)
	rm -rf $(BIN)
