#!/usr/bin/env bash
# `concheck run` throughput (issue 11): schedules per second on a small
# two-thread program (tests/cli/run_target.cpp `correct`), with 1 and 2 jobs,
# against plain runs of the same program started one after the other in the
# same script (the cost of a process per schedule without concheck).
#   bench/explore_run.sh BUILD_DIR [SCHEDULES]
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [SCHEDULES]" >&2
  exit 2
fi
build=$(realpath "$1")
n=${2:-300}
concheck=$build/bin/concheck
target=$build/tests/cli/concheck_run_target
for f in "$concheck" "$target"; do
  [[ -x $f ]] || { echo "$0: $f is missing: build the concheck_cli and concheck_run_target targets" >&2; exit 2; }
done
seconds() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; echo "$(date +%s.%N) - $s" | bc; }
plain=$(seconds bash -c "for i in \$(seq $n); do '$target' correct; done")
one=$(seconds "$concheck" run --schedules "$n" -- "$target" correct)
two=$(seconds "$concheck" run --schedules "$n" --jobs 2 -- "$target" correct)
echo "concheck run, $n schedules of a 2-thread program, $(nproc) cores, $(date -u +%FT%TZ)"
printf '%-28s %10s %14s\n' "variant" "seconds" "schedules/s"
for row in "plain runs (no concheck):$plain" "concheck run --jobs 1:$one" "concheck run --jobs 2:$two"; do
  name=${row%%:*} t=${row##*:}
  printf '%-28s %10.2f %14.0f\n' "$name" "$t" "$(echo "$n / $t" | bc -l)"
done
printf 'ratio plain/concheck (jobs 1): %.2f\n' "$(echo "$plain / $one" | bc -l)"
