#!/usr/bin/env bash
# Real installed programs, plain and with concheck injected (LD_PRELOAD of
# libconcheck_preload.so, default options): the output must stay
# byte-identical, concheck must write nothing to stderr, and the cost is shown
# as a ratio of median wall times measured in the same run. Programs that use
# threads and locks for real: xz and zstd with two worker threads, GNU sort
# with --parallel=2, Python's threading (its GIL and locks), gzip as a
# single-threaded control, and pigz when it is installed. A program that is
# not installed is skipped with a note.
#
#   preload_programs.sh BUILD_DIR [PROGRAM...]
#     BUILD_DIR   a concheck build tree (BUILD_DIR/runtime/libconcheck_preload.so)
#     PROGRAM     names from the list below, to run a subset
# Environment:
#   PRELOAD_BENCH_MB (default 8)        size of the generated input, in MiB
#   PRELOAD_BENCH_RUNS (default 3)      runs per variant; the median is shown
#   PRELOAD_BENCH_TIMEOUT (default 120) seconds per run; a run past it FAILs
#
# Each row: the median plain and concheck wall times, their ratio, the output
# size, and PASS (identical stdout on every run, same exit status, nothing on
# concheck's stderr) or FAIL with the reason. The plain and concheck runs are
# interleaved so that load from other users of the machine hits both alike.
# This is a benchmark, not a CI test: the exit status is 0 unless the
# arguments are wrong.
set -u
if [[ $# -lt 1 || ! -d "$1" ]]; then
  echo "usage: $0 BUILD_DIR [PROGRAM...]   (BUILD_DIR/runtime/libconcheck_preload.so)" >&2
  exit 2
fi
preload="$(cd "$1" && pwd)/runtime/libconcheck_preload.so"
shift
if [[ ! -e "$preload" ]]; then
  echo "$0: $preload does not exist (build the concheck_preload target first)" >&2
  exit 2
fi
megabytes=${PRELOAD_BENCH_MB:-8}
runs=${PRELOAD_BENCH_RUNS:-3}
timeout_s=${PRELOAD_BENCH_TIMEOUT:-120}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# What is measured is concheck with its defaults, and the programs' output
# must not depend on the locale.
unset CONCHECK_OPTIONS
export LC_ALL=C

# The input: text lines with repeated words and numbers (compressible, and
# sortable), the same bytes on every run (fixed seed).
input="$work/input.txt"
awk -v bytes=$((megabytes * 1024 * 1024)) 'BEGIN {
  srand(42)
  split("lock mutex thread wait notify order cycle graph stack frame report owner holder fork", words, " ")
  n = 0
  while (n < bytes) {
    line = sprintf("%09d %s %s %d", int(rand() * 1e9), words[1 + int(rand() * 14)],
                   words[1 + int(rand() * 14)], int(rand() * 1e6))
    print line
    n += length(line) + 1
  }
}' >"$input"

# The Python program: worker threads hand items through a queue and update a
# shared total under a threading.Lock; prints the totals (deterministic).
cat >"$work/threads.py" <<'EOF'
import queue
import threading

items = queue.Queue(maxsize=64)
lock = threading.Lock()
totals = {"sum": 0, "count": 0}

def consume():
    while True:
        value = items.get()
        if value is None:
            return
        with lock:
            totals["sum"] += value
            totals["count"] += 1

workers = [threading.Thread(target=consume) for _ in range(4)]
for worker in workers:
    worker.start()
for value in range(200000):
    items.put(value)
for _ in workers:
    items.put(None)
for worker in workers:
    worker.join()
print(totals["count"], totals["sum"])
EOF

# The interpreter itself, not a launcher script in front of it (pyenv's shims
# are shell scripts).
python=""
if command -v python3 >/dev/null 2>&1; then
  python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
fi

# name|program that must be installed|command (reads $input, writes stdout)
table=(
  "xz|xz|xz -T2 --block-size=1MiB -c -3 <'$input'"
  "zstd|zstd|zstd -T2 -3 -q -c <'$input'"
  "sort|sort|sort --parallel=2 -S 32M <'$input'"
  "gzip|gzip|gzip -c -6 <'$input'"
  "pigz|pigz|pigz -p 2 -c -6 <'$input'"
  "python3|${python:-python3}|'${python:-python3}' '$work/threads.py'"
)

wanted=("$@")
for w in "${wanted[@]}"; do
  known=0
  for row in "${table[@]}"; do [[ "${row%%|*}" == "$w" ]] && known=1; done
  if [[ $known -eq 0 ]]; then
    echo "$0: no program named '$w' (known: xz zstd sort gzip pigz python3)" >&2
    exit 2
  fi
done
selected() {
  [[ ${#wanted[@]} -eq 0 ]] && return 0
  local w
  for w in "${wanted[@]}"; do [[ "$w" == "$1" ]] && return 0; done
  return 1
}

median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Runs `command` once; sets run_seconds and run_status, stdout/stderr in files.
# `environment` is set for the program alone (bash runs the last command of
# -c in place), not for timeout or the shell in front of it.
run_once() {
  local environment=$1 command=$2 out=$3 err=$4
  local start end
  start=$EPOCHREALTIME
  timeout "$timeout_s" bash -c "$environment $command" >"$out" 2>"$err"
  run_status=$?
  end=$EPOCHREALTIME
  run_seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
}

printf 'input: %d MiB of text, %d runs per variant, concheck: %s\n' "$megabytes" "$runs" "$preload"
printf '%-8s %10s %10s %7s %11s  %s\n' program plain_s concheck_s ratio out_bytes verdict
for row in "${table[@]}"; do
  IFS='|' read -r name binary command <<<"$row"
  selected "$name" || continue
  if ! command -v "$binary" >/dev/null 2>&1; then
    printf '%-8s %10s %10s %7s %11s  %s\n' "$name" - - - - "SKIP ($binary is not installed)"
    continue
  fi
  plain_times=()
  concheck_times=()
  problems=()
  reference="$work/$name.reference"
  plain_status=""
  for ((i = 0; i < runs; ++i)); do
    run_once "" "$command" "$work/$name.plain.out" "$work/$name.plain.err"
    plain_times+=("$run_seconds")
    [[ $run_status -eq 124 ]] && problems+=("plain run timed out")
    if [[ -z "$plain_status" ]]; then
      plain_status=$run_status
      cp "$work/$name.plain.out" "$reference"
    elif ! cmp -s "$work/$name.plain.out" "$reference"; then
      problems+=("plain output differs between runs")
    fi
    run_once "LD_PRELOAD='$preload'" "$command" "$work/$name.concheck.out" "$work/$name.concheck.err"
    concheck_times+=("$run_seconds")
    if [[ $run_status -eq 124 ]]; then
      problems+=("concheck run timed out")
    elif [[ $run_status -ne $plain_status ]]; then
      problems+=("exit status $run_status with concheck, $plain_status plain")
    fi
    if ! cmp -s "$work/$name.concheck.out" "$reference"; then
      problems+=("stdout differs with concheck ($(stat -c %s "$work/$name.concheck.out") bytes)")
    fi
    if [[ -s "$work/$name.concheck.err" ]]; then
      problems+=("stderr with concheck: $(head -c 200 "$work/$name.concheck.err" | tr '\n' ' ')")
    fi
  done
  plain=$(median "${plain_times[@]}")
  with=$(median "${concheck_times[@]}")
  ratio=$(awk -v a="$plain" -v b="$with" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')
  if [[ ${#problems[@]} -eq 0 ]]; then
    verdict=PASS
  else
    # Each problem once, in the order seen.
    verdict="FAIL: $(printf '%s\n' "${problems[@]}" | awk '!seen[$0]++' | paste -sd ';' -)"
  fi
  printf '%-8s %10s %10s %7s %11s  %s\n' "$name" "$plain" "$with" "$ratio" "$(stat -c %s "$reference")" \
    "$verdict"
done
exit 0
