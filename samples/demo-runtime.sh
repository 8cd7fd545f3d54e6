#!/bin/sh
# Runs every monitor-mode sample, buggy then fixed, and shows what concheck
# reports for each under a one-line heading. The runtime part of `make demo`.
#
#   samples/demo-runtime.sh BUILD_DIR     (the samples are in BUILD_DIR/samples)
#
# Extra concheck options can be passed in CONCHECK_OPTIONS (e.g. format=json).
set -u

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
dir="$1/samples"
if [ ! -d "$dir" ]; then
  echo "$0: no samples in '$dir': build them first (cmake --build $1 --target concheck_samples)" >&2
  exit 2
fi

status=0
run() {
  program="$1"
  what="$2"
  if [ ! -x "$dir/$program" ]; then
    echo "$0: '$dir/$program' is missing: build the concheck_samples target" >&2
    status=2
    return
  fi
  printf '\n==== %s: %s ====\n' "$program" "$what"
  "$dir/$program" 2>&1
  code=$?
  printf '%s %s exited with status %d\n' '----' "$program" "$code"
}

run lock_ab_buggy          "thread_one takes A then B, thread_two B then A: potential deadlock, reported without hanging"
run lock_ab_fixed          "both threads take A then B: clean"
run lock_ab_deadlock_buggy "the same inversion forced into a real deadlock: reported, process ended with exit 66"
run lock_ab_deadlock_fixed "std::scoped_lock takes both locks without deadlocking: clean"
run lock_vs_rlock_buggy    "outer() calls inner() under the same non-recursive mutex: self-deadlock, exit 66"
run lock_vs_rlock_fixed    "the same with a recursive mutex: clean"
run bank_buggy             "transfers lock 'from' then 'to': inversion between two accounts"
run bank_std_buggy         "the same transfers in plain std::mutex/std::thread code: still caught"
run bank_fixed             "transfers lock both accounts with std::scoped_lock: clean"
run philosophers_buggy     "five philosophers each take left then right fork: five-lock cycle"
run philosophers_fixed     "lower-numbered fork first: clean"
exit $status
