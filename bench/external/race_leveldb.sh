#!/usr/bin/env bash
# Race detection on code nobody here wrote: Debian's leveldb (a storage
# library with multi-threaded tests), compiled with concheck's compile-only
# instrumentation and linked with libconcheck, its own test suite run under
# it. Prints what concheck reported (data races and other findings, by kind
# and site) and the suite's own verdict. A trial, not a CI test.
#
#   race_leveldb.sh BUILD_DIR [WORK_DIR]
#     BUILD_DIR   a concheck build tree (BUILD_DIR/runtime/libconcheck.so)
#     WORK_DIR    where the source is fetched and built (default: a temporary
#                 folder; reused when given, so a second run skips the build)
# Needs: apt-get source (a deb-src line), cmake, g++, libgmock-dev,
# libbenchmark-dev, libsnappy-dev. Exit status: 0 when the trial ran (whatever
# it found), 1 when it could not build or run, 2 for bad arguments.
set -u
if [[ $# -lt 1 || ! -e "$1/runtime/libconcheck.so" ]]; then
  echo "usage: $0 BUILD_DIR [WORK_DIR]   (BUILD_DIR/runtime/libconcheck.so must exist)" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
work=${2:-$(mktemp -d)}
mkdir -p "$work" && work=$(cd "$work" && pwd)
library="$build/runtime/libconcheck.so"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/trial_common.sh"
trial_fetch leveldb "$work" 1
# The instrumentation goes on compile steps only; the wrapper links
# libconcheck everywhere else (CMake's own compiler checks included).
race_compiler_wrapper "$library" "$work/instrumenting-g++"

objects="$work/build"
# The tests that run threads: the database's (db_test: concurrent writers
# and readers, compactions in the background), the lock-free skip list's
# (skiplist_test: one writer, concurrent readers, std::atomic with acquire and
# release), the environment's (env_test: background work queue), the cache's.
tests=(skiplist_test env_test cache_test db_test)
if [[ ! -x "$objects/db_test" ]]; then
  cmake -S "$source_dir" -B "$objects" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$work/instrumenting-g++" -DLEVELDB_BUILD_BENCHMARKS=OFF \
    > "$work/configure.log" 2>&1 ||
    { echo "$0: configuring leveldb failed; see $work/configure.log" >&2; exit 1; }
  cmake --build "$objects" -j"$(nproc)" --target "${tests[@]}" > "$work/build.log" 2>&1 ||
    { echo "$0: building leveldb failed; see $work/build.log" >&2; exit 1; }
fi

log="$work/concheck"
rm -f "$log".*
for test in "${tests[@]}"; do
  start=$(date +%s)
  (cd "$objects" && CONCHECK_OPTIONS="format=json:log_path=$log" timeout 1800 "./$test" > "$work/$test.out" 2>&1)
  status=$?
  echo "$test under concheck: exit status $status after $(( $(date +%s) - start ))s," \
    "$(grep -c '^\[       OK' "$work/$test.out") tests passed, $(grep -c '^\[  FAILED  \] [A-Za-z]' "$work/$test.out") failed"
done
race_findings "$log"
exit 0
