#!/usr/bin/env bash
# `concheck run` throughput (issue 11): schedules per second on a small
# two-thread program (tests/cli/run_target.cpp `correct`), with 1 and 2 jobs,
# against plain runs of the same program started one after the other in the
# same script (the cost of a process per schedule without concheck).
#   bench/explore_run.sh BUILD_DIR [SCHEDULES] [ROUNDS]
# Each variant runs ROUNDS times (default 3), the variants interleaved so
# that load from other users of the machine hits all of them alike; the
# table shows the median rate of each and its ratio to the plain starts'.
# BASELINE_PRELOAD=<libconcheck_preload.so of another build> adds the same two
# rows with that runtime (CONCHECK_PRELOAD_LIBRARY), interleaved with the
# others: a before/after measured in the same minutes.
# The last line is the fixed cost included in each rate: the median wall time
# of a one-schedule `concheck run` (the driver's and the fork server's start).
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [SCHEDULES] [ROUNDS]" >&2
  exit 2
fi
build=$(realpath "$1")
n=${2:-300}
rounds=${3:-3}
concheck=$build/bin/concheck
target=$build/tests/cli/concheck_run_target
for f in "$concheck" "$target"; do
  [[ -x $f ]] || { echo "$0: $f is missing: build the concheck_cli and concheck_run_target targets" >&2; exit 2; }
done
# Schedules (or runs) per second of one command.
rate() {
  local s e
  s=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  e=$(date +%s.%N)
  echo "$n / ($e - $s)" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
baseline=${BASELINE_PRELOAD:-}
if [[ -n $baseline && ! -f $baseline ]]; then
  echo "$0: BASELINE_PRELOAD=$baseline is not a file" >&2
  exit 2
fi
plain=() one=() two=() base_one=() base_two=() fixed=()
for _ in $(seq "$rounds"); do
  s=$(date +%s.%N)
  "$concheck" run --schedules 1 -- "$target" correct >/dev/null 2>&1 || true
  fixed+=("$(echo "$(date +%s.%N) - $s" | bc -l)")
  plain+=("$(rate bash -c "for i in \$(seq $n); do '$target' correct; done")")
  one+=("$(rate "$concheck" run --schedules "$n" -- "$target" correct)")
  two+=("$(rate "$concheck" run --schedules "$n" --jobs 2 -- "$target" correct)")
  if [[ -n $baseline ]]; then
    base_one+=("$(CONCHECK_PRELOAD_LIBRARY=$baseline rate "$concheck" run --schedules "$n" -- "$target" correct)")
    base_two+=("$(CONCHECK_PRELOAD_LIBRARY=$baseline rate "$concheck" run --schedules "$n" --jobs 2 -- "$target" correct)")
  fi
done
p=$(median "${plain[@]}")
echo "concheck run, $n schedules of a 2-thread program, $(nproc) cores, median of $rounds rounds, $(date -u +%FT%TZ)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %14s %18s\n' "variant" "schedules/s" "ratio to plain"
rows=("plain runs (no concheck):$p" "concheck run --jobs 1:$(median "${one[@]}")"
  "concheck run --jobs 2:$(median "${two[@]}")")
if [[ -n $baseline ]]; then
  rows+=("baseline --jobs 1:$(median "${base_one[@]}")" "baseline --jobs 2:$(median "${base_two[@]}")")
fi
for row in "${rows[@]}"; do
  name=${row%%:*} r=${row##*:}
  printf '%-28s %14.0f %17.2fx\n' "$name" "$r" "$(echo "$r / $p" | bc -l)"
done
printf 'fixed cost of a concheck run (one schedule): %.3f s\n' "$(median "${fixed[@]}")"
