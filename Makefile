# orgsso — the commands that matter: `make run` and `make test`.
SHELL := /bin/bash
VULNDB ?= $(abspath ../shared/vulndb)
GOTEST_FLAGS ?=
LOAD_FLAGS ?=
FUZZTIME ?= 30s
FUZZ_FLAGS ?=
# package:target of every fuzz target; their seeds (testdata/fuzz/<target>) run in every go test.
FUZZ_TARGETS := ./app/connector:FuzzParseGroupMappings ./app/connector:FuzzMapClaims \
	./app/signin:FuzzCallbackQuery ./app/signin:FuzzLoginCookie ./app/web:FuzzReturnTo ./app/ascode:FuzzParse \
	./app/connector/saml:FuzzParseMetadata

.PHONY: run test test-postgres build generate verify vet vulncheck audit fuzz chromium bench bench-scale load vendor screenshots clean

## run: start the server on embedded SQLite (./data); the first start prints how to log in.
run: generate
	go run . serve

## build: a single binary at ./orgsso
build: generate
	go build -o orgsso .

## generate: regenerate templ components
generate:
	go tool templ generate

## test: the whole suite — generated code current, vet and staticcheck, govulncheck, every test with -race on SQLite
## (browser tests included), then the database-backed tests again on PostgreSQL when one is reachable.
test: verify vet vulncheck chromium
	go test -race -count=1 $(GOTEST_FLAGS) ./...
	@bash scripts/test-postgres.sh

## test-postgres: only the PostgreSQL pass (ORGSSO_TEST_POSTGRES_URL, or 127.0.0.1:5432).
test-postgres:
	@bash scripts/test-postgres.sh

## verify: generated templ files and go.mod/go.sum must be current.
verify:
	@bash scripts/verify-generated.sh

vet:
	go vet ./...
	go tool staticcheck ./...

## vulncheck: govulncheck against the offline vulnerability database in ../shared/vulndb.
vulncheck:
	@if [ -d "$(VULNDB)" ]; then go tool govulncheck -db "file://$(VULNDB)" ./...; \
	elif [ -n "$(VULNDB_REQUIRED)" ]; then echo "vulncheck: no database at $(VULNDB)" >&2; exit 1; \
	else echo "vulncheck: SKIPPED — no offline vulnerability database at $(VULNDB) (set VULNDB=/path/to/vulndb)"; fi

## audit: every known vulnerability in the modules we build, reachable from our code or not (govulncheck against the
## offline database): first -scan module over the modules of the orgsso binary, then, wider, every module any package,
## test or go tool of ours compiles (-scan package -test ./... tool; its "Module Results" are the unreachable ones).
## It lists; it does not fail on findings (vulncheck is the gate: vulnerable code we call). No database is an error.
## Refresh the database as README.md says.
audit:
	@if [ ! -d "$(VULNDB)" ]; then echo "audit: no offline vulnerability database at $(VULNDB) (set VULNDB=/path/to/vulndb; README.md says how to fetch one)" >&2; exit 1; fi
	@echo "audit: database $(VULNDB), $$(ls "$(VULNDB)" | grep -c '\.json$$') entries"
	@echo "== the orgsso binary's modules (-scan module)"
	@go tool govulncheck -db "file://$(VULNDB)" -scan module -show verbose; rc=$$?; \
	if [ $$rc -ne 0 ] && [ $$rc -ne 3 ]; then exit $$rc; fi
	@echo "== every module of our packages, tests and tools (-scan package -test ./... tool)"
	@go tool govulncheck -db "file://$(VULNDB)" -scan package -test -show verbose ./... tool; rc=$$?; \
	if [ $$rc -ne 0 ] && [ $$rc -ne 3 ]; then exit $$rc; fi

## fuzz: each fuzz target in turn for FUZZTIME (30s; FUZZTIME=10m for a longer run, FUZZ_FLAGS='-parallel 2').
## A crash is written to the package's testdata/fuzz/<target>/: fix it and commit the file, which then runs in make test.
fuzz:
	@echo "fuzz targets ($(FUZZTIME) each):"; for t in $(FUZZ_TARGETS); do echo "  $${t##*:}  in $${t%%:*}"; done
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg)"; \
		go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $(FUZZ_FLAGS) $$pkg; \
	done

## chromium: install Debian's Chromium for the browser tests when it is missing.
chromium:
	@bash scripts/ensure-chromium.sh

## bench: Go benchmarks (login flow against the in-process IdP, and the go-oidc floor; the scale
## benchmarks at their small sizes only: their 100k sizes run with bench-scale, or when -bench names them).
bench:
	go test -run '^$$' -bench . -benchmem ./...

## bench-scale: issue 13's benchmarks at 100k orgs × 10 members (1M memberships), 5 runs each (report medians),
## then the two-instance propagation test at that size with its time targets. Seeds SQLite, or PostgreSQL when
## ORGSSO_TEST_POSTGRES_URL is set. Takes several minutes.
bench-scale:
	ORGSSO_BENCH_LARGE=1 go test -run '^$$' -bench 'AuthzCan|AuthzStart|RoleSync|^BenchmarkPages$$|^BenchmarkLogin$$' -benchmem -count 5 -timeout 60m ./app/authz/ ./app/web/
	ORGSSO_BENCH_LARGE=1 go test -count=1 -v -run 'TestChangesReachAnotherInstanceByName' -timeout 30m ./app/authz/

## load: orgsso's login next to a bare go-oidc relying party, each a process against the test IdP, in interleaved rounds
## (CPU per login from /proc); LOAD_FLAGS='-mode crowd' for 200 users behind one address. Flags: go run ./e2e/load -h
load:
	go run ./e2e/load $(LOAD_FLAGS)

## screenshots: the browser tests write PNGs of the key pages into e2e/screenshots/ (used by README.md).
screenshots: chromium
	ORGSSO_SCREENSHOTS=$(abspath e2e/screenshots) go test -count=1 -run 'Test' ./e2e/

## vendor: fetch Pico CSS and htmx into static/vendor (not run by CI; the files are committed).
vendor:
	bash scripts/vendor.sh

clean:
	rm -rf orgsso data
