#!/usr/bin/env bash
# Compiles hooks_coverage.cpp with -fsanitize=thread by one compiler, links it
# with libconcheck and not libtsan, and runs it.
#   hook_coverage_test.sh COMPILER SOURCE RUNTIME_LIBRARY WORK_DIR
# Skipped (exit 77) when the compiler is not installed.
set -euo pipefail
compiler=$1 source=$2 library=$3 work=$4
command -v "$compiler" > /dev/null || { echo "SKIP: $compiler is not installed"; exit 77; }
mkdir -p "$work"
object="$work/hooks_coverage_${compiler//+/x}.o"
program="$work/hooks_coverage_${compiler//+/x}"
# -Wno-tsan: g++ warns that libtsan does not model fences; concheck does.
"$compiler" -std=c++20 -O1 -g -fsanitize=thread -Wno-unknown-warning-option -Wno-tsan -c "$source" -o "$object"
# Linked without -fsanitize=thread, so libtsan cannot supply a hook concheck lacks.
if ! "$compiler" "$object" -o "$program" "$library" -Wl,-rpath,"$(dirname "$library")" 2> "$work/link.err"; then
  echo "FAIL: $compiler: the instrumented program does not link with libconcheck alone:" >&2
  grep -o "undefined reference to \`[^']*'" "$work/link.err" | sort -u >&2 || cat "$work/link.err" >&2
  exit 1
fi
if ldd "$program" | grep -q libtsan; then
  echo "FAIL: $compiler: the program loads libtsan" >&2
  exit 1
fi
output=$("$program" 2>&1) || { echo "FAIL: $compiler: the program failed:" >&2; echo "$output" >&2; exit 1; }
echo "$output"
if grep -q "concheck:" <<< "$output"; then
  echo "FAIL: $compiler: concheck reported something for a single-threaded program" >&2
  exit 1
fi
grep -q "hooks_coverage: ok" <<< "$output"
