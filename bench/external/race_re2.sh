#!/usr/bin/env bash
# Race detection on code nobody here wrote: Debian's re2 (a regular
# expression library whose DFA is built lazily by concurrent searches: a
# reader-writer lock behind its own `Mutex` wrapper class, states published
# through acquire/release atomics), compiled with concheck's compile-only
# instrumentation and linked with libconcheck, its tests run under it. Prints
# each test's verdict, time and peak memory and what concheck reported. With
# TSAN=1 the same tests are also built with ThreadSanitizer (the same g++,
# -fsanitize=thread on compile and link) and run after concheck's, one
# process each, and the time and memory ratios concheck/TSan are printed. A
# trial, not a CI test.
#
#   race_re2.sh BUILD_DIR [WORK_DIR] [TEST...]
#     BUILD_DIR   a concheck build tree (BUILD_DIR/runtime/libconcheck.so)
#     WORK_DIR    where the source is fetched and built (default: a temporary
#                 folder; reused when given, so a second run skips the builds)
#     TEST        re2 test programs (default: dfa_test, whose Multithreaded
#                 tests build and search one DFA from 4 threads, re2_test,
#                 set_test)
# Needs: apt-get source (a deb-src line), cmake, g++, perl, unicode-data. Exit status: 0 when the
# trial ran (whatever it found), 1 when it could not build or run, 2 for bad
# arguments.
set -u
if [[ $# -lt 1 || ! -e "$1/runtime/libconcheck.so" ]]; then
  echo "usage: $0 BUILD_DIR [WORK_DIR] [TEST...]   (BUILD_DIR/runtime/libconcheck.so must exist)" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "$1" && pwd)
work=${2:-$(mktemp -d)}
shift $(($# < 2 ? $# : 2))
tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || tests=(dfa_test re2_test set_test)
mkdir -p "$work" && work=$(cd "$work" && pwd)
library="$build/runtime/libconcheck.so"
[[ -x /usr/bin/time ]] || { echo "$0: /usr/bin/time not found (Debian package time)" >&2; exit 2; }

source "$here/trial_common.sh"
trial_fetch re2 "$work" 1
# Debian's source drops the generated tables: regenerate them as debian/rules
# does (needs perl and Debian's unicode-data).
if [[ ! -e "$source_dir/re2/perl_groups.cc" ]]; then
  [[ -d /usr/share/unicode ]] || { echo "$0: re2's tables need Debian's unicode-data (apt-get install unicode-data)" >&2; exit 1; }
  make -C "$source_dir" REBUILD_TABLES=1 re2/perl_groups.cc re2/unicode_casefold.cc re2/unicode_groups.cc \
    > "$work/tables.log" 2>&1 || { echo "$0: regenerating re2's tables failed; see $work/tables.log" >&2; exit 1; }
fi
race_compiler_wrapper "$library" "$work/instrumenting-g++"

# build_tree DIR COMPILER CXXFLAGS LDFLAGS: the tests, RelWithDebInfo.
build_tree() {
  local dir=$1 missing=()
  for t in "${tests[@]}"; do [[ -x "$dir/$t" ]] || missing+=("$t"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  cmake -S "$source_dir" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRE2_BUILD_TESTING=ON \
    -DCMAKE_CXX_COMPILER="$2" -DCMAKE_CXX_FLAGS="$3" -DCMAKE_EXE_LINKER_FLAGS="$4" \
    > "$dir.configure.log" 2>&1 ||
    { echo "$0: configuring re2 in $dir failed; see $dir.configure.log" >&2; exit 1; }
  cmake --build "$dir" -j"$(nproc)" --target "${missing[@]}" > "$dir.build.log" 2>&1 ||
    { echo "$0: building re2 in $dir failed (an unknown TEST?); see $dir.build.log" >&2; exit 1; }
}
build_tree "$work/concheck-build" "$work/instrumenting-g++" "" ""
[[ ${TSAN:-0} == 1 ]] && build_tree "$work/tsan-build" g++ -fsanitize=thread -fsanitize=thread

# run_test DIR TEST TOOL [ENV...]: one line with the verdict, seconds, MiB.
run_test() {
  local dir=$1 test=$2 tool=$3 out="$work/$3.$2.out"
  shift 3
  env "$@" /usr/bin/time -f "%e %M" -o "$out.time" timeout 3600 "$dir/$test" > "$out" 2>&1
  local status=$? seconds kib
  read -r seconds kib < "$out.time"
  grep -q '^PASS$' "$out" && [[ $status == 0 ]] && verdict=pass || verdict="FAILED (exit status $status; $out)"
  printf '%-10s %-9s %-8s %8.1f s %8.1f MiB\n' "$test" "$tool" "$verdict" "$seconds" "$(echo "$kib / 1024" | bc -l)"
  echo "$seconds $kib" > "$out.figures"
}

log="$work/concheck"
rm -f "$log".*
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for test in "${tests[@]}"; do
  run_test "$work/concheck-build" "$test" concheck CONCHECK_OPTIONS="format=json:log_path=$log"
  if [[ ${TSAN:-0} == 1 ]]; then
    run_test "$work/tsan-build" "$test" tsan TSAN_OPTIONS=halt_on_error=0
    read -r cs ck < "$work/concheck.$test.out.figures"
    read -r ts tk < "$work/tsan.$test.out.figures"
    [[ $ts == 0.00 ]] && ts=0.01
    printf '%-10s concheck/TSan: time %.2fx, memory %.2fx; TSan warnings: %s\n' "$test" \
      "$(echo "$cs / $ts" | bc -l)" "$(echo "$ck / $tk" | bc -l)" "$(grep -c 'WARNING: ThreadSanitizer' "$work/tsan.$test.out")"
  fi
done
race_findings "$log"
exit 0
