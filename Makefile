# The two commands of the README: `make demo` and `make test`. Both install what is missing, configure with
# CMake + Ninja into build/, and build; see README.md.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test long-test demo bench install-test clean format

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 600

# Long runs (200 kills of the crash test, restarts at scale), outside the suite's time budget.
long-test: build
	@tests/long/run $(BUILD)

demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target caseworkd
	@scripts/demo $(BUILD)

# Benchmarks (never part of `make test`): the whole-engine scenarios beside their baselines, then the
# micro-benchmarks, each writing JSON named after the commit into $(BENCH_OUT). BENCH_FLAGS=--quick for a
# smoke run; see docs/performance.md.
BENCH_OUT ?= $(BUILD)/bench-results
BENCH_FLAGS ?=
COMMIT = $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
bench: build
	@mkdir -p $(BENCH_OUT)
	@$(BUILD)/bin/casework-bench --commit $(COMMIT) --json $(BENCH_OUT)/casework-bench-$(COMMIT).json $(BENCH_FLAGS)
	@$(BUILD)/bin/casework-micro --benchmark_out=$(BENCH_OUT)/casework-micro-$(COMMIT).json --benchmark_out_format=json

clean:
	rm -rf $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.hpp' '*.cpp')
