#!/bin/sh
# Runs race detection's samples (docs/race.md) and shows what concheck says:
# the data-race report of each buggy program, nothing for the fixed ones, and
# the access summary of thread_local_request. Then checks that the buggy and
# fixed programs are told apart by their exit status under halt_on_error=1
# (a data race is not fatal by default: the program goes on and exits 0). The
# race part of `make demo`.
#
#   samples/demo-race.sh BUILD_DIR     (the samples are in BUILD_DIR/samples)
#
# Exits 0 when every program behaved as its lesson says, 1 when a buggy
# program was not caught or a fixed one was, 2 when a program is missing. A
# build whose runtime cannot build them (no __tsan_* hooks, or the ASan build)
# says so and exits 0. Extra options can be passed in CONCHECK_OPTIONS.
set -u

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
dir="$1/samples"
list="$dir/race_samples.txt"
if [ ! -f "$list" ]; then
  echo "$0: no samples in '$dir': build them first (cmake --build $1 --target concheck_samples)" >&2
  exit 2
fi
case "$(cat "$list")" in
  none:*)
    printf '\n==== race detection samples: not built in this build (%s) ====\n' "$(sed 's/^none: //' "$list")"
    exit 0
    ;;
esac

user_options="${CONCHECK_OPTIONS:-}"
with_options() {  # with_options EXTRA: the user's options, then EXTRA
  if [ -n "$user_options" ]; then printf '%s:%s' "$user_options" "$1"; else printf '%s' "$1"; fi
}

status=0
run() {
  program="$1"
  options="$2"
  what="$3"
  if [ ! -x "$dir/$program" ]; then
    echo "$0: '$dir/$program' is missing: build the concheck_samples target" >&2
    status=2
    return
  fi
  printf '\n==== %s: %s ====\n' "$program" "$what"
  if [ -n "$options" ]; then
    CONCHECK_OPTIONS="$(with_options "$options")" "$dir/$program" 2>&1
  elif [ -n "$user_options" ]; then
    CONCHECK_OPTIONS="$user_options" "$dir/$program" 2>&1
  else
    env -u CONCHECK_OPTIONS "$dir/$program" 2>&1
  fi
  code=$?
  printf '%s %s exited with status %d\n' '----' "$program" "$code"
}

run counter_race_buggy        "" "++counter from 4 threads, no lock: data race on the global 'counter' (not fatal: exit 0)"
run counter_race_fixed_mutex  "" "every increment under a std::mutex: clean"
run counter_race_fixed_atomic "" "counter is a std::atomic<int>: clean"
run thread_local_request      "access_summary=1" \
  "per-request data owned by one thread each: clean; the access summary says thread-local"
run heap_stats_buggy          "" "a heap stats object updated by 2 threads without a lock: the report names its allocation site"
run heap_stats_fixed          "" "the stats object's own mutex around every update: clean"

# Told apart: with halt_on_error=1 a reported race ends the program with 66.
printf '\n==== buggy vs fixed, told apart by exit status under halt_on_error=1 ====\n'
verdict() {
  program="$1"
  expected="$2"
  [ -x "$dir/$program" ] || return
  CONCHECK_OPTIONS="$(with_options "halt_on_error=1:exitcode=66")" "$dir/$program" >/dev/null 2>&1
  code=$?
  if [ "$code" -eq "$expected" ]; then
    printf '  %-27s exit %-3d as expected\n' "$program" "$code"
  else
    printf '  %-27s exit %-3d EXPECTED %d\n' "$program" "$code" "$expected"
    [ "$status" -eq 0 ] && status=1
  fi
}
verdict counter_race_buggy 66
verdict counter_race_fixed_mutex 0
verdict counter_race_fixed_atomic 0
verdict thread_local_request 0
verdict heap_stats_buggy 66
verdict heap_stats_fixed 0
exit $status
