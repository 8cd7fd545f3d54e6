# concheck's front door. On a fresh Debian 12 machine, as root:
#   make demo    install what is missing, build, and show what concheck finds in samples/
#   make test    install what is missing, build, and run the whole test suite
# Also: make build | bench | install PREFIX=/dir | test-sanitize | deps | format | format-check | clean
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Tests run two per core: many of them wait (child processes, watchdog grace
# periods, timeouts), so twice the cores cuts the test phase by about a third
# with the same CPU (docs/building.md, "What CI's time goes to").
TEST_JOBS ?= $(shell echo $$(( 2 * $(JOBS) )))
# The sanitizer run waits more than it computes (ASan's process starts, the
# analyzer's children): four per core. Measured on 2 cores, the same build:
# 232 s at -j4, 147 s at -j8 (docs/building.md, "What CI's time goes to").
SANITIZE_TEST_JOBS ?= $(shell echo $$(( 4 * $(JOBS) )))
CMAKE_ARGS ?=
CTEST_TIMEOUT ?= 300

.PHONY: all deps configure build demo test test-sanitize install bench format format-check tidy clean help

all: build

help:
	@sed -n '2,5p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) \
	  || { echo "make: configuring concheck failed (the message above names what is missing; 'make deps' installs dependencies, 'rm -rf $(BUILD_DIR)' clears a stale cache)" >&2; exit 1; }

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) \
	  || { echo "make: the build failed; the first error above is the one to fix" >&2; exit 1; }

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure --timeout $(CTEST_TIMEOUT) -j $(TEST_JOBS)

# concheck's own code and tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-sanitize: deps
	@cmake --preset asan $(CMAKE_ARGS) || { echo "make: configuring the sanitizer build failed" >&2; exit 1; }
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(SANITIZE_TEST_JOBS) --timeout $(CTEST_TIMEOUT)

install:
	@bash scripts/install.sh --check-only "$(PREFIX)"
	@$(MAKE) --no-print-directory build
	@bash scripts/install.sh "$(BUILD_DIR)" "$(PREFIX)"

bench: build
	@cmake --build $(BUILD_DIR) --target bench

FORMAT_FILES = git ls-files '*.hpp' '*.cpp' '*.h' '*.c'

format:
	@$(FORMAT_FILES) | xargs clang-format -i

# Fails naming every file clang-format would change (.ci/run runs it).
format-check: deps
	@command -v clang-format >/dev/null || { echo "make: format-check needs clang-format (apt-get install clang-format)" >&2; exit 1; }
	@$(FORMAT_FILES) | xargs clang-format --dry-run --Werror 2>&1 | grep -oE '^[^ :]+:[0-9]+:[0-9]+: error' | cut -d: -f1 | sort -u \
	  | sed 's/^/make: not formatted (run make format): /' >&2; \
	  $(FORMAT_FILES) | xargs clang-format --dry-run --Werror >/dev/null 2>&1

tidy: configure
	@git ls-files 'detector/*.cpp' 'runtime/*.cpp' 'analyzer/*.cpp' 'cli/*.cpp' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	@rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
