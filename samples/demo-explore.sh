#!/bin/sh
# Runs every explore-mode sample, buggy then fixed, and shows each verdict
# (and concheck's report for a failing schedule) under a one-line heading.
# The explore part of `make demo`.
#
#   samples/demo-explore.sh BUILD_DIR     (the samples are in BUILD_DIR/samples/explore)
#
# Each program explores its body with the default strategy; CONCHECK_OPTIONS
# (explore_seed=..., explore_strategy=...) and CONCHECK_REPLAY=<token> are
# passed on. Exits 0 when every program ends as its lesson says (buggy: 1, or
# SIGABRT for worker_exception_buggy; fixed: 0), 1 when one does not, 2 when a
# program is missing.
set -u

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
dir="$1/samples/explore"
if [ ! -d "$dir" ]; then
  echo "$0: no explore samples in '$dir': build them first (cmake --build $1 --target concheck_samples)" >&2
  exit 2
fi

status=0
run() {
  program="$1"
  expected="$2"
  what="$3"
  if [ ! -x "$dir/$program" ]; then
    echo "$0: '$dir/$program' is missing: build the concheck_samples target" >&2
    status=2
    return
  fi
  printf '\n==== %s: %s ====\n' "$program" "$what"
  "$dir/$program" 2>&1
  code=$?
  printf '%s %s exited with status %d\n' '----' "$program" "$code"
  if [ "$code" -ne "$expected" ] && [ "$status" -eq 0 ]; then
    echo "$0: $program exited with $code, not $expected" >&2
    status=1
  fi
}

run bank_withdraw_buggy     1 "withdraw checks the balance and subtracts in two critical sections: overdrawn in some schedule"
run bank_withdraw_fixed     0 "check and subtract in one critical section: every schedule passes"
run producer_consumer_buggy 1 "'if' around the wait, two consumers: one wakes to an empty queue"
run producer_consumer_fixed 0 "'while' (a predicate wait): every schedule passes"
run semaphore_buggy         1 "home-made semaphore checks for a permit, then takes it: three workers inside with two permits"
run semaphore_fixed         0 "concheck::counting_semaphore: never more than two inside"
run event_buggy             1 "event set and notified without its mutex: a lost wakeup, reported as a deadlock"
run event_fixed             0 "concheck::event: every worker is released in every schedule"
run barrier_buggy           1 "one-shot barrier reused for the next phase: a fast thread laps a slow one, deadlock"
run barrier_fixed           0 "concheck::barrier counts phases: every schedule passes"
run thread_pool_buggy       1 "collector counts a timed-out wait as a task collected: a result is lost"
run thread_pool_fixed       0 "a timeout means 'not yet': the total is right whichever waits time out"
run worker_exception_buggy  134 "an exception escapes a worker: std::terminate, after concheck prints the replay token"
run worker_exception_fixed  0 "the worker hands the exception to the joiner (std::exception_ptr): every schedule passes"
exit $status
