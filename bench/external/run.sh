#!/usr/bin/env bash
# concheck's external-suite benchmark: small C/C++ programs in the style of the
# incumbents' regression suites (TSan's lit tests, Helgrind's tc*.c), each with
# the verdict it expects on its first line. Each program is built twice and run
# with a timeout:
#   linked    built with -lconcheck (--no-as-needed), as `concheck::runtime` links
#   preload   built plain, run with LD_PRELOAD=libconcheck_preload.so
# and one table row per (program, mode) says what was expected, what concheck
# reported, the wall time, the peak RSS and PASS/FAIL; the last line counts
# them. A regression in verdict, speed or memory shows up as a number. This is
# a benchmark, not a CI test: the exit status is 0 unless the arguments are wrong.
#
#   run.sh RUNTIME_LIB_DIR [PROGRAM...]
#     RUNTIME_LIB_DIR   the folder with libconcheck.so and libconcheck_preload.so
#                       (build/runtime in a build tree, lib/ in an installation)
#     PROGRAM           names (e.g. rotated_orders) to run a subset
# Environment:
#   EXTERNAL_TIMEOUT (default 60)   seconds per run; a run past it shows `timeout`
#   EXTERNAL_MODES (default "linked preload")
#   CC, CXX (default cc, c++)
#
# The expectation line is `// expect: VERDICT` or `/* expect: VERDICT` where
# VERDICT is `clean`, `finding` (any report), or a finding kind, optionally
# followed by ` xN` (exactly N reports of that kind; without it, at least one).
set -u
if [[ $# -lt 1 || ! -d "$1" ]]; then
  echo "usage: $0 RUNTIME_LIB_DIR [PROGRAM...]   (RUNTIME_LIB_DIR holds libconcheck.so)" >&2
  exit 2
fi
libdir=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -e "$libdir/libconcheck.so" || ! -e "$libdir/libconcheck_preload.so" ]]; then
  echo "$0: $libdir has no libconcheck.so or libconcheck_preload.so" >&2
  exit 2
fi
timeout_s=${EXTERNAL_TIMEOUT:-60}
read -r -a modes <<<"${EXTERNAL_MODES:-linked preload}"
cc=${CC:-cc}
cxx=${CXX:-c++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

programs=()
if [[ $# -gt 0 ]]; then
  for name in "$@"; do
    found=$(ls "$here/programs/$name".c "$here/programs/$name".cpp 2>/dev/null | head -1)
    [[ -z "$found" ]] && { echo "$0: no program named '$name' in $here/programs" >&2; exit 2; }
    programs+=("$found")
  done
else
  programs=("$here"/programs/*.c "$here"/programs/*.cpp)
fi

expectation() {  # the VERDICT of a source file
  sed -n '1s#^\(//\|/\*\) *expect: *\([^*]*\).*#\2#p' "$1" | sed 's/ *$//'
}

build() {  # source, output, mode
  local src=$1 out=$2 mode=$3 compiler flags=(-O1 -g -pthread)
  if [[ $src == *.cpp ]]; then compiler=$cxx flags+=(-std=c++20); else compiler=$cc; fi
  if [[ $mode == linked ]]; then
    flags+=(-Wl,--no-as-needed -L"$libdir" -lconcheck -Wl,-rpath,"$libdir" -Wl,--as-needed)
  fi
  "$compiler" "${flags[@]}" "$src" -o "$out" 2>"$out.build.log"
}

# Reports are read from JSON Lines (one object per finding, "kind" first).
count_kind() { grep -c "\"kind\":\"$2\"" "$1" 2>/dev/null || true; }

verdict_of() {  # json log -> "clean" or "kind xN, kind xM"
  local log=$1
  if [[ ! -s "$log" ]]; then
    echo clean
    return
  fi
  sed -n 's/.*"kind":"\([a-z-]*\)".*/\1/p' "$log" | sort | uniq -c | awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 } END { print "" }'
}

matches() {  # expected verdict, json log
  local want=$1 log=$2 kind count total
  total=$(grep -c '"kind"' "$log" 2>/dev/null || true)
  total=${total:-0}
  case $want in
    clean) [[ $total -eq 0 ]] ;;
    finding) [[ $total -gt 0 ]] ;;
    *)
      kind=${want%% x*}
      count=$(count_kind "$log" "$kind")
      count=${count:-0}
      if [[ $want == *" x"* ]]; then [[ $count -eq ${want##* x} ]]; else [[ $count -gt 0 ]]; fi
      ;;
  esac
}

echo "concheck external suite: $(nproc) cores, $(date -u +%FT%TZ), timeout ${timeout_s}s, runtime $libdir"
printf '%-24s %-8s %-28s %-34s %8s %9s  %s\n' program mode expected got "time s" "RSS MiB" result
pass=0
fail=0
for src in "${programs[@]}"; do
  name=$(basename "${src%.*}")
  want=$(expectation "$src")
  [[ -z "$want" ]] && want="(no expect line)"
  for mode in "${modes[@]}"; do
    bin="$work/$name.$mode"
    if ! build "$src" "$bin" "$mode"; then
      printf '%-24s %-8s %-28s %-34s %8s %9s  %s\n' "$name" "$mode" "$want" "build failed" - - FAIL
      head -5 "$bin.build.log" | sed 's/^/    /' >&2
      fail=$((fail + 1))
      continue
    fi
    log="$work/$name.$mode.jsonl"
    rm -f "$log"
    env_args=(CONCHECK_OPTIONS="format=json:log_path=$log")
    [[ $mode == preload ]] && env_args+=(LD_PRELOAD="$libdir/libconcheck_preload.so")
    start=$(date +%s.%N)
    env "${env_args[@]}" /usr/bin/time -f '%M' -o "$work/rss" timeout "$timeout_s" "$bin" \
      >"$work/out" 2>"$work/err"
    rc=$?
    end=$(date +%s.%N)
    elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    rss_kib=$(tail -1 "$work/rss" 2>/dev/null | tr -dc 0-9)
    rss=$(awk -v k="${rss_kib:-0}" 'BEGIN { printf "%.1f", k / 1024 }')
    # log_path may be a prefix (log_path.PID) or the file itself.
    cat "$log" "$log".* 2>/dev/null >"$work/all.jsonl"
    got=$(verdict_of "$work/all.jsonl")
    if [[ $rc -eq 124 ]]; then
      got="timeout"
      ok=1
    elif [[ $rc -gt 128 ]]; then
      got="crashed (signal $((rc - 128)))"
      ok=1
    else
      matches "$want" "$work/all.jsonl"
      ok=$?
    fi
    if [[ $ok -eq 0 ]]; then result=PASS pass=$((pass + 1)); else result=FAIL fail=$((fail + 1)); fi
    printf '%-24s %-8s %-28s %-34s %8s %9s  %s\n' "$name" "$mode" "$want" "$got" "$elapsed" "$rss" "$result"
  done
done
echo "external: $pass passed, $fail failed"
exit 0
