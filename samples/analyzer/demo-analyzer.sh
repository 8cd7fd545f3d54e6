#!/bin/sh
# Runs `concheck analyze` on each analyzer sample, buggy then fixed, and shows
# its diagnostics and exit status under a one-line heading. The analyzer part
# of `make demo`.
#
#   samples/analyzer/demo-analyzer.sh CONCHECK_BINARY [SAMPLES_DIR]
#
# Exit status: 0 when every buggy sample has findings (exit 1) and every fixed
# one is clean (exit 0), 1 otherwise, 2 on usage errors.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 CONCHECK_BINARY [SAMPLES_DIR]" >&2
  exit 2
fi
concheck="$1"
dir="${2:-$(dirname "$0")}"
if [ ! -x "$concheck" ]; then
  echo "$0: '$concheck' is not an executable concheck binary: build the concheck_cli target" >&2
  exit 2
fi

status=0
show() {
  sample="$1"
  expected="$2"
  what="$3"
  if [ ! -r "$dir/$sample.cpp" ]; then
    echo "$0: '$dir/$sample.cpp' is missing" >&2
    status=2
    return
  fi
  printf '\n==== %s: %s ====\n' "$sample" "$what"
  "$concheck" analyze "$dir/$sample.cpp" -- -std=c++20
  rc=$?
  printf -- '---- exit status %s (expected %s)\n' "$rc" "$expected"
  if [ "$rc" -ne "$expected" ] && [ "$status" -eq 0 ]; then
    status=1
  fi
}

show counter_race_buggy 1 "two threads increment a counter without a lock"
show counter_race_fixed 0 "every increment holds the lock"
show bank_account_buggy 1 "withdraw() forgets the account's lock"
show bank_account_fixed 0 "withdraw() holds the lock across check and update"
exit "$status"
