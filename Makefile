# last9_genai: Rust core + Go shim + custom OpenTelemetry Collector.
#
#   make run      build everything and run the collector in the foreground (collector-config/config.yaml)
#   make image-tree  the container image's file tree in build/image-root (Dockerfile); make shim-dist: the processor
#                 module with the prebuilt core, for your own ocb build (build/shim-dist)
#   make demo     in a second shell: send a 3-turn conversation and a RAG workflow, print what came out
#   make test     cargo test, go test (also -race), the collector end-to-end tests
#   make bench-load  the collector's CPU per span, pipeline by pipeline (benches/load/README.md; ~6 min)
#
# A fresh machine needs Rust, Go, Python 3 and gcc with glibc's static libraries (Debian: libc6-dev); the targets
# install everything else at pinned versions.

# ---- The ONE collector release every module is pinned to -------------------------------------------------------
# 0.x modules (receivers, processors, exporters, contrib) and the matching 1.x modules (pdata, component, confmap,
# providers) of the same release. collector-config/builder-config.yaml, go-shim/go.mod,
# tests/collector_e2e/go.mod and tools/gotools/go.mod must agree: `make check-versions` enforces it.
# v0.161.0 is the newest release whose every module (and ocb/mdatagen) the Go module proxy serves.
OTELCOL_VERSION        := 0.161.0
OTELCOL_STABLE_VERSION := 1.67.0

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT       := $(CURDIR)
BUILD      := $(ROOT)/build
TOOLS      := $(BUILD)/tools
LIB_DIR    := $(BUILD)/lib
CORE_LIB   := $(LIB_DIR)/liblast9_genai.a
COLLECTOR  := $(BUILD)/otelcol-last9genai
IMAGE_ROOT := $(BUILD)/image-root
SHIM_DIST  := $(BUILD)/shim-dist
BUILDER    := $(TOOLS)/builder-v$(OTELCOL_VERSION)
MDATAGEN   := $(TOOLS)/mdatagen

# Never download a Go toolchain behind the user's back; no VCS stamping (the build dir is inside this checkout).
export GOTOOLCHAIN := local
export GOFLAGS     := -buildvcs=false
export CGO_ENABLED := 1
# Go's build cache does not see a changed C library. Hashing the Rust archive into CGO_CFLAGS makes a new core
# rebuild (and re-test) the cgo package instead of linking a stale one.
CORE_CGO = CGO_CFLAGS="-O2 -g -DLAST9_GENAI_CORE_SHA256=$$(sha256sum $(CORE_LIB) | cut -c1-16)"

VERSION_FILES := collector-config/builder-config.yaml go-shim/go.mod tools/gotools/go.mod \
                 $(wildcard tests/collector_e2e/go.mod) \
                 benches/load/builder-config.yaml benches/load/loadgen/go.mod

.PHONY: help run collector rust-lib tools check-versions generate test test-rust test-go test-collector-e2e \
        test-e2e demo header clean bench bench-collector bench-load soak lint fuzz fuzz-asan image-tree shim-dist

help:
	@sed -n '3,11p' Makefile | sed 's/^# \{0,1\}//'

# ---- Build ------------------------------------------------------------------------------------------------------

# The Rust core as a STATIC library, alone in its -L folder so the linker can never pick the .so.
rust-lib:
	cargo build --release --lib
	@mkdir -p $(LIB_DIR)
	@cmp -s target/release/liblast9_genai.a $(CORE_LIB) || cp target/release/liblast9_genai.a $(CORE_LIB)

$(BUILDER):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) go install go.opentelemetry.io/collector/cmd/builder@v$(OTELCOL_VERSION)
	mv $(TOOLS)/builder $@

$(MDATAGEN): tools/gotools/go.mod tools/gotools/go.sum
	@mkdir -p $(TOOLS)
	cd tools/gotools && GOBIN=$(TOOLS) go install tool
	@touch $@

tools: $(BUILDER) $(MDATAGEN)

check-versions:
	python3 tools/check_otel_versions.py $(OTELCOL_VERSION) $(OTELCOL_STABLE_VERSION) $(VERSION_FILES)

# PREBUILT_CORE=1 takes $(CORE_LIB) as it is instead of running cargo (the Dockerfile's Go stage has no Rust).
ifeq ($(PREBUILT_CORE),)
CORE_DEP := rust-lib
else
CORE_DEP := $(CORE_LIB)
$(CORE_LIB):
	@echo "PREBUILT_CORE is set but $(CORE_LIB) is missing (cargo build --release --lib makes it)" >&2; exit 1
endif

# The collector is a STATIC binary (README "The static binary and the container image"): no interpreter, no shared
# library, so it runs in an image holding nothing else, and `make run`, every test and the image use this one
# binary. The manifest's build_tags (netgo,osusergo) keep Go off glibc's resolver; these flags link the rest
# statically. ocb's default is "-s -w" (stripped), kept.
COLLECTOR_LDFLAGS := -s -w -linkmode=external -extldflags=-static

# ocb writes the distribution's sources to build/collector and builds there; unchanged sources rebuild in seconds.
# --verbose keeps the go build's output (the static link's warnings) in build/collector-build.log, which
# tools/check_static_link.py reads: every warned glibc function must come from Rust's std inside the core and be
# unreachable from the core's exported functions (README, "The static binary").
collector: $(CORE_DEP) $(BUILDER) check-versions
	@mkdir -p $(BUILD)
	$(CORE_CGO) $(BUILDER) --verbose --ldflags='$(COLLECTOR_LDFLAGS)' --config collector-config/builder-config.yaml \
	  2>&1 | tee $(BUILD)/collector-build.log
	python3 tools/check_otel_versions.py $(OTELCOL_VERSION) $(OTELCOL_STABLE_VERSION) build/collector/go.mod
	python3 tools/check_static_link.py --self-test --binary build/collector/otelcol-last9genai --lib $(CORE_LIB) \
	  --ffi go-shim/last9genaiprocessor/ffi.go --link-log $(BUILD)/collector-build.log
	@# Replace by rename: a collector still running from the old binary keeps its file ("text file busy" otherwise).
	cp build/collector/otelcol-last9genai $(COLLECTOR).tmp && mv -f $(COLLECTOR).tmp $(COLLECTOR)
	@out=$$(ldd $(COLLECTOR) 2>&1 || true); \
	if grep -q last9_genai <<<"$$out"; then echo "$(COLLECTOR) links a last9_genai shared library" >&2; exit 1; fi; \
	if ! grep -q 'not a dynamic executable' <<<"$$out"; then echo "$(COLLECTOR) is not static: $$out" >&2; exit 1; fi
	@echo "built $(COLLECTOR) (static: ldd says not a dynamic executable)"

# The container image's file tree (Dockerfile: its build stage runs this target, its final stage FROM scratch
# copies exactly this folder). Debian's ca-certificates gives the CA bundle; installed here when missing.
IMAGE_CONFIG := collector-config/image/config.yaml
CA_BUNDLE    := /etc/ssl/certs/ca-certificates.crt
image-tree: collector
	@if [ ! -s $(CA_BUNDLE) ]; then \
	  echo "$(CA_BUNDLE) missing: installing Debian's ca-certificates"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates; \
	fi
	tools/image/assemble-root.sh $(COLLECTOR) $(IMAGE_CONFIG) $(CA_BUNDLE) $(IMAGE_ROOT)

# The processor's Go module with the core library inside it (README "Adding last9_genai to your own collector"):
# point an ocb manifest's `path:` at build/shim-dist and build on a machine without Rust.
shim-dist: $(CORE_DEP)
	tools/shim_dist.sh $(SHIM_DIST) $(CORE_LIB)

# Regenerates go-shim/last9genaiprocessor/internal/metadata (and the generated tests) from metadata.yaml.
generate: $(MDATAGEN)
	cd go-shim/last9genaiprocessor && $(MDATAGEN) metadata.yaml

run: collector
	@mkdir -p out
	$(COLLECTOR) --config collector-config/config.yaml

demo:
	python3 tools/demo/demo.py --endpoint http://127.0.0.1:4318 --output out/traces.jsonl

# ---- Test -------------------------------------------------------------------------------------------------------

# In order, each part timed (the collector build is part of test-collector-e2e).
TEST_PARTS := lint test-rust test-go test-collector-e2e test-e2e
test:
	@for part in $(TEST_PARTS); do \
	  start=$$(date +%s); $(MAKE) --no-print-directory $$part; \
	  echo "== $$part passed in $$(( $$(date +%s) - start ))s"; \
	done

# Formatting and lints, Rust and Go: all clean, and kept so.
lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cd go-shim && go vet ./...
	@out=$$(gofmt -l go-shim tests/collector_e2e benches/load/loadgen); if [ -n "$$out" ]; then echo "gofmt: $$out" >&2; exit 1; fi

test-rust:
	cargo test --release

test-go: rust-lib
	cd go-shim && $(CORE_CGO) go test -count=1 ./...
	cd go-shim && $(CORE_CGO) go test -count=1 -race ./...

# Also: the static binary from an empty root, the image's file tree, and collector-config/own-distribution built
# with ocb from a folder outside the repository against build/shim-dist.
test-collector-e2e: collector image-tree shim-dist $(BUILDER)
	cd tests/collector_e2e && go test -count=1 -timeout 20m -v ./... -collector=$(COLLECTOR) \
	  -image-root=$(IMAGE_ROOT) -shim-dist=$(SHIM_DIST) -ocb=$(BUILDER) -ocb-ldflags='$(COLLECTOR_LDFLAGS)'

# The instrumentation end-to-end tests (tests/e2e, real client libraries), when present.
test-e2e: collector
	@if [ -x tests/e2e/run.sh ]; then tests/e2e/run.sh $(COLLECTOR); else echo "tests/e2e/run.sh not present: skipped"; fi

# The fuzzers (tests/fuzz.rs) for FUZZ_SECONDS (default 300) in all: OTLP through both interfaces, the JSON config,
# the price files (LiteLLM and genai-prices). fuzz-asan does the same under AddressSanitizer and LeakSanitizer
# (nightly flags on the stable toolchain through RUSTC_BOOTSTRAP; slower, so it runs fewer inputs). Crashing
# inputs: target/fuzz-crashes/.
FUZZ_SECONDS ?= 300
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) cargo test --release --test fuzz -- --ignored fuzz_for_a_while --nocapture

fuzz-asan:
	RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=address" ASAN_OPTIONS=detect_leaks=1 FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  cargo test --release --target x86_64-unknown-linux-gnu --test fuzz -- --ignored fuzz_for_a_while --nocapture

# A million traces through one handle, exact totals and exact accounting (tests/soak.rs): release build, ~30 s.
soak:
	cargo test --release --test soak -- --nocapture

# ---- Benchmarks (they measure; no test asserts a time) -------------------------------------------------------------

bench: rust-lib
	cargo bench --bench enrich
	cd go-shim && $(CORE_CGO) go test -run '^$$' -bench ProcessTraces -benchtime 3s ./last9genaiprocessor

# The load bench (benches/load/README.md): the project's collector plus transformprocessor and nopexporter, built
# from a manifest generated from collector-config/builder-config.yaml (so the two cannot drift), a Go load generator
# + OTLP sink, and a runner that pins each to its own CPU. Fails when any span was lost. PIPELINES=A,B narrows it.
BENCH_COLLECTOR := $(BUILD)/otelcol-bench
LOADGEN         := $(BUILD)/bench-load/loadgen

bench-collector: rust-lib $(BUILDER)
	python3 benches/load/gen_manifest.py
	python3 tools/check_otel_versions.py $(OTELCOL_VERSION) $(OTELCOL_STABLE_VERSION) benches/load/builder-config.yaml
	$(CORE_CGO) $(BUILDER) --ldflags='$(COLLECTOR_LDFLAGS)' --config benches/load/builder-config.yaml
	python3 tools/check_otel_versions.py $(OTELCOL_VERSION) $(OTELCOL_STABLE_VERSION) build/bench-collector/go.mod
	cp build/bench-collector/otelcol-bench $(BENCH_COLLECTOR).tmp && mv -f $(BENCH_COLLECTOR).tmp $(BENCH_COLLECTOR)
	@if ldd $(BENCH_COLLECTOR) | grep -q last9_genai; then echo "$(BENCH_COLLECTOR) links a last9_genai .so" >&2; exit 1; fi

bench-load: rust-lib $(BUILDER) bench-collector
	python3 tools/check_otel_versions.py $(OTELCOL_VERSION) $(OTELCOL_STABLE_VERSION) benches/load/loadgen/go.mod
	@mkdir -p $(BUILD)/bench-load
	cd benches/load/loadgen && go build -o $(LOADGEN) .
	python3 benches/load/run.py --collector $(BENCH_COLLECTOR) --loadgen $(LOADGEN) --out $(BUILD)/bench-load \
	  $(if $(PIPELINES),--pipelines $(PIPELINES)) $(if $(SPANS),--spans $(SPANS)) $(if $(ROUNDS),--rounds $(ROUNDS))

# ---- Maintenance ------------------------------------------------------------------------------------------------

header:
	LAST9_GENAI_UPDATE_HEADER=1 cargo test --test integration header_drift

clean:
	rm -rf build out
	cargo clean
