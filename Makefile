# uncord-e2ee — the two commands the README gives are `make demo` and `make test`; both install what they need.

SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null && [ "$$(id -u)" != 0 ] && echo sudo)
# libqrencode-dev and zlib1g-dev build the safety-number QR code and its PNG; zbar-tools (zbarimg) reads them back
# in the tests.
APT_PACKAGES := libsodium-dev libsqlite3-dev pkg-config libqrencode-dev zlib1g-dev zbar-tools
BUILD_LOG := .build/build.log
APPS_BUILD_LOG := .build/build-apps.log
# Where `make install` puts uncord-keys, uncord-devserver and uncord-demo.
PREFIX ?= $(HOME)/.local
# Two packages: the library at the root (swift-log and the system libraries only), the apps in Apps/ (the network
# client, the development server, the CLI, the demo, and the tests that run them).
APPS := $(SWIFT) build --package-path Apps
SOURCES := Sources Tests Package.swift Apps/Sources Apps/Tests Apps/Package.swift Fuzz/Package.swift Fuzz/Sources

.PHONY: deps build demo test swift-test check-vectors verify-vectors vectors format lint clean bench fuzz install docs

# How long `make fuzz` runs each target; `make test` runs each for 30 s.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := FuzzFrame FuzzWrap FuzzContent FuzzPayload FuzzBundle FuzzReceive

## deps: install the Debian packages the build needs (only what is missing).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## build: a debug build of both packages, tests included; fails on any compiler warning.
build: deps
	@mkdir -p .build
	set -o pipefail; $(SWIFT) build --build-tests 2>&1 | tee $(BUILD_LOG)
	set -o pipefail; $(APPS) --build-tests 2>&1 | tee $(APPS_BUILD_LOG)
	@# Warnings in this repository's own code fail the build; SwiftPM's notes about dependencies do not.
	@if grep -E "^$(CURDIR)/(Apps/)?(Sources|Tests|Package.swift)[^ ]*: warning:" $(BUILD_LOG) $(APPS_BUILD_LOG) \
		>/dev/null; then echo "the build printed warnings (see $(BUILD_LOG), $(APPS_BUILD_LOG))"; exit 1; fi

## demo: the main job — Alice (2 devices) and Bob over a local development server, real HTTP and WebSocket.
demo: deps
	$(APPS) -c release --product uncord-devserver
	$(APPS) -c release --product uncord-demo
	Apps/.build/release/uncord-demo

## install: release builds of uncord-keys, uncord-devserver and uncord-demo, copied to $(PREFIX)/bin.
install: deps
	$(APPS) -c release --product uncord-keys
	$(APPS) -c release --product uncord-devserver
	$(APPS) -c release --product uncord-demo
	install -d $(PREFIX)/bin
	install -m 755 Apps/.build/release/uncord-keys Apps/.build/release/uncord-devserver \
		Apps/.build/release/uncord-demo $(PREFIX)/bin/
	@echo "installed in $(PREFIX)/bin"

## docs: the DocC documentation of the library's modules (swift-docc-plugin, added only when UNCORD_DOCS=1), with
## every DocC warning an error; the archives go to .build/docs/.
DOC_TARGETS := UncordE2EE UncordStore UncordRatchet UncordProtocol UncordCrypto UncordSQLite
docs:
	UNCORD_DOCS=1 $(SWIFT) package --scratch-path .build/docs-build generate-documentation \
		$(addprefix --target ,$(DOC_TARGETS)) --warnings-as-errors --output-path .build/docs \
		--enable-experimental-combined-documentation
	@echo "documentation in .build/docs (open .build/docs/index.html through a web server)"

## test: every test — Swift tests of both packages, the DocC build (warnings as errors), the independent Python
## checker, the runner over Vectors/, and each fuzz target for 30 s.
test: build lint docs swift-test check-vectors verify-vectors
	$(MAKE) fuzz FUZZ_SECONDS=30

swift-test:
	@# Both packages' tests run in parallel, SwiftPM's default: no test depends on how long the machine takes (token
	@# expiries read an injected clock, deadlines are ones load cannot reach), and each passed three parallel runs in
	@# a row on 2 cores under load (issue 17 item 9).
	$(SWIFT) test --skip-build
	$(SWIFT) test --package-path Apps --skip-build

## check-vectors: recompute every expected value in Vectors/ with independent Python libraries.
check-vectors: deps
	Vectors/check/run.sh --selftest
	Vectors/check/run.sh

## verify-vectors: run Vectors/ through `uncord-keys vectors verify`.
verify-vectors:
	Apps/.build/debug/uncord-keys vectors verify Vectors

## vectors: regenerate Vectors/*.json from the seeded generator (tests never do this).
vectors:
	$(SWIFT) run generate-vectors Vectors

## bench: every figure of Docs/PERFORMANCE.md (release builds, a few minutes): the engine beside its libsodium floor and
## the Olm anchors (vodozemac, python-olm, in .build/bench-venv), the persisted figures on real store files; prints
## the table and writes .build/bench.json and the plot .build/bench.png (BENCH_PLOT=path to put it elsewhere).
bench: deps
	@mkdir -p .build
	cd Benchmarks && $(SWIFT) build -c release --product UncordBenchmarks
	cd Benchmarks && $(SWIFT) build -c release --product StoreBench && $(SWIFT) build -c release --product StoreProbe
	@Benchmarks/Scripts/bench.sh

## fuzz: each libFuzzer target (their own package in Fuzz/, built with -sanitize=fuzzer,address) for FUZZ_SECONDS
## seconds, or FUZZ_RUNS executions when set; prints each target's execution count. A crash or a failed property
## stops with the input in Fuzz/.build/crashes/.
fuzz: deps
	cd Fuzz && $(SWIFT) build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
	Fuzz/Scripts/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	$(SWIFT) format --in-place --recursive $(SOURCES)

lint:
	$(SWIFT) format lint --recursive $(SOURCES)

clean:
	rm -rf .build Apps/.build
