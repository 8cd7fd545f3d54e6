#!/usr/bin/env bash
# Race detection's benchmark (bench/race/README.md): builds race_workloads.cpp
# four ways and runs them in one go, printing one table of median time and
# peak RSS, each tool as a ratio against plain.
#   plain            BENCH_CXX -O2 -g
#   concheck         BENCH_CXX -O2 -g -fsanitize=thread on the compile step, linked
#                    with BUILD_DIR's libconcheck.so (no libtsan): concheck's hooks
#   concheck-static  the same object linked with BUILD_DIR's libconcheck_static.a
#                    (concheck_instrument(t STATIC)): the hooks in the executable
#   tsan             clang++ -O2 -g -fsanitize=thread, compile and link (TSan's runtime)
#
#   bench/race/race_bench.sh [BUILD_DIR]      (default: build)
# Environment: BENCH_ROUNDS (default 3) processes per workload and variant, run
# interleaved so that load from other users hits every variant alike;
# BENCH_REPS (default 3) repetitions inside each process (the median is over
# ROUNDS x REPS samples; the RSS is the largest); BENCH_TIMEOUT (default 300)
# seconds per process; BENCH_CXX (default clang++) the compiler of the plain
# and concheck builds.
#
# A variant that cannot be built or run here is left out with a line saying
# why ("concheck build unavailable: ..."), never an error: the concheck column
# needs the runtime's race detection, which must also pass a probe (a known
# race must be reported). Exit status: 0, or 2 for bad arguments or no plain build.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build_dir=${1:-build}
[[ $# -le 1 ]] || { echo "usage: $0 [BUILD_DIR]" >&2; exit 2; }
rounds=${BENCH_ROUNDS:-3}
reps=${BENCH_REPS:-3}
run_timeout=${BENCH_TIMEOUT:-300}
cxx=${BENCH_CXX:-clang++}
tsan_cxx=clang++
source=$here/race_workloads.cpp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -O2 -g)
workloads=(locked_arrays pipeline read_mostly single_loop)
variants=()
declare -A binary

note() { echo "  $*"; }

# plain
if "$cxx" "${flags[@]}" -pthread "$source" -o "$work/plain" 2>"$work/plain.log"; then
  variants+=(plain) binary[plain]=$work/plain
else
  echo "race_bench: the plain build failed ($cxx):" >&2; head -5 "$work/plain.log" >&2; exit 2
fi

# concheck: instrumented objects, concheck's runtime, no libtsan
library=$(ls "$build_dir"/runtime/libconcheck.so 2>/dev/null || true)
concheck_unavailable=""
if [[ -z "$library" ]]; then
  concheck_unavailable="no $build_dir/runtime/libconcheck.so (build concheck first)"
else
  library=$(realpath "$library")
  link=("$library" "-Wl,-rpath,$(dirname "$library")" -pthread)
  probe_source=$work/probe.cpp
  cat > "$probe_source" <<'PROBE'
#include <latch>
#include <thread>
long shared_value = 0;
int main() {
  std::latch start(2);
  auto work = [&start] { start.arrive_and_wait(); shared_value += 1; };
  std::thread a(work), b(work);
  a.join();
  b.join();
  return shared_value > 2;
}
PROBE
  if ! "$cxx" "${flags[@]}" -fsanitize=thread -c "$source" -o "$work/concheck.o" 2>"$work/concheck.log" ||
     ! "$cxx" "$work/concheck.o" -o "$work/concheck" "${link[@]}" 2>>"$work/concheck.log"; then
    concheck_unavailable="it does not link ($(grep -m1 -oE "undefined reference to [^ ]+|error: .*" "$work/concheck.log"))"
  elif ! "$cxx" "${flags[@]}" -fsanitize=thread -c "$probe_source" -o "$work/probe.o" 2>"$work/probe.log" ||
       ! "$cxx" "$work/probe.o" -o "$work/probe" "${link[@]}" 2>>"$work/probe.log"; then
    concheck_unavailable="the probe does not build ($(head -c 200 "$work/probe.log"))"
  elif ! env -u CONCHECK_OPTIONS timeout 60 "$work/probe" 2>&1 | grep -q "data-race"; then
    concheck_unavailable="the runtime reports no data race on a known race (race detection not complete)"
  else
    variants+=(concheck) binary[concheck]=$work/concheck
  fi
fi

# concheck-static: the same object, the runtime linked into the executable
# with what concheck::runtime_static's interface gives (its --undefined
# anchors, the detector archive, fmt, libdl)
static_unavailable=""
archive=$build_dir/runtime/libconcheck_static.a
anchors=$build_dir/runtime/static_anchor_flags.txt
if [[ -n "$concheck_unavailable" ]]; then
  static_unavailable="as concheck's"
elif [[ ! -e "$archive" || ! -e "$anchors" || ! -e "$build_dir/detector/libconcheck_detector.a" ]]; then
  static_unavailable="no $archive (build the concheck_runtime_static target)"
else
  # shellcheck disable=SC2207
  static_link=($(cat "$anchors") "$archive" "$build_dir/detector/libconcheck_detector.a" -lfmt -ldl -pthread)
  if ! "$cxx" "$work/concheck.o" -o "$work/concheck-static" "${static_link[@]}" 2>"$work/static.log" ||
     ! "$cxx" "$work/probe.o" -o "$work/probe-static" "${static_link[@]}" 2>>"$work/static.log"; then
    static_unavailable="it does not link ($(grep -m1 -oE "undefined reference to [^ ]+|error: .*" "$work/static.log"))"
  elif ! env -u CONCHECK_OPTIONS timeout 60 "$work/probe-static" 2>&1 | grep -q "data-race"; then
    static_unavailable="the static runtime reports no data race on a known race"
  else
    variants+=(concheck-static) binary[concheck-static]=$work/concheck-static
  fi
fi

# tsan
tsan_unavailable=""
if ! command -v "$tsan_cxx" >/dev/null; then
  tsan_unavailable="no $tsan_cxx"
elif ! "$tsan_cxx" "${flags[@]}" -fsanitize=thread "$source" -o "$work/tsan" 2>"$work/tsan.log"; then
  tsan_unavailable="clang++ -fsanitize=thread does not build here ($(head -c 200 "$work/tsan.log"))"
else
  variants+=(tsan) binary[tsan]=$work/tsan
fi

declare -A samples rss reports failed
echo "race detection benchmark: median of $rounds x $reps samples, $(nproc) cores, $(date -u +%FT%TZ)"
echo "  plain and concheck built with $("$cxx" --version | head -1), tsan with $("$tsan_cxx" --version 2>/dev/null | head -1)"
[[ -n "$concheck_unavailable" ]] && note "concheck build unavailable: $concheck_unavailable"
[[ -n "$static_unavailable" ]] && note "concheck-static build unavailable: $static_unavailable"
[[ -n "$tsan_unavailable" ]] && note "tsan build unavailable: $tsan_unavailable"
for w in "${workloads[@]}"; do
  for ((round = 0; round < rounds; ++round)); do
    for v in "${variants[@]}"; do
      [[ -n "${failed[$w,$v]:-}" ]] && continue
      [[ -t 2 ]] && printf '  running %-14s %-9s round %d/%d\r' "$w" "$v" $((round + 1)) "$rounds" >&2
      out=$(env -u CONCHECK_OPTIONS TSAN_OPTIONS=halt_on_error=0 timeout "$run_timeout" \
              "${binary[$v]}" "$w" "$reps" 2>"$work/err")
      rc=$?
      line=$(grep '^workload=' <<<"$out" | tail -1)
      if [[ $rc -ne 0 || -z "$line" ]]; then
        failed[$w,$v]=1
        note "$w / $v failed (exit status $rc): $(head -c 300 "$work/err" | tr '\n' ' ')"
        continue
      fi
      s=$(sed -E 's/.*samples=([0-9.,]+).*/\1/' <<<"$line")
      samples[$w,$v]="${samples[$w,$v]:-}${samples[$w,$v]:+,}$s"
      r=$(sed -E 's/.*rss_kib=([0-9]+).*/\1/' <<<"$line")
      (( ${rss[$w,$v]:-0} < r )) && rss[$w,$v]=$r
      # Reports: the workloads are race-free, so any is a false positive.
      n=$(grep -cE "data-race|WARNING: ThreadSanitizer" "$work/err")
      reports[$w,$v]=$(( ${reports[$w,$v]:-0} + n ))
    done
  done
done
[[ -t 2 ]] && printf '%60s\r' '' >&2

tools=(concheck concheck-static tsan)
median() { tr ',' '\n' <<<"$1" | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }

printf '\n%-14s %9s' workload "plain ms"
for v in "${tools[@]}"; do [[ -n "${binary[$v]:-}" ]] && printf ' %23s' "$v ms (ratio)"; done
printf ' %10s' "plain MiB"
for v in "${tools[@]}"; do [[ -n "${binary[$v]:-}" ]] && printf ' %24s' "$v MiB (ratio)"; done
printf ' %s\n' "reports"
for w in "${workloads[@]}"; do
  base=$(median "${samples[$w,plain]:-}")
  base_rss=${rss[$w,plain]:-0}
  printf '%-14s %9s' "$w" "${base:--}"
  for v in "${tools[@]}"; do
    [[ -n "${binary[$v]:-}" ]] || continue
    m=$(median "${samples[$w,$v]:-}")
    if [[ -z "$m" ]]; then printf ' %23s' failed; else printf ' %23s' "$m ($(ratio "$m" "${base:-0}"))"; fi
  done
  printf ' %10s' "$(awk -v k="$base_rss" 'BEGIN { printf "%.1f", k / 1024 }')"
  for v in "${tools[@]}"; do
    [[ -n "${binary[$v]:-}" ]] || continue
    k=${rss[$w,$v]:-0}
    printf ' %24s' "$(awk -v k="$k" 'BEGIN { printf "%.1f", k / 1024 }') ($(ratio "$k" "$base_rss"))"
  done
  printf ' '
  for v in "${variants[@]}"; do printf '%s=%s ' "$v" "${reports[$w,$v]:-0}"; done
  printf '\n'
done
echo "(ms: median wall time of one run of the workload; MiB: peak RSS of the process; reports: data-race"
echo " reports on these race-free workloads, summed over all runs: each is a false positive)"
exit 0
