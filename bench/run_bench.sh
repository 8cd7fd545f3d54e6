#!/usr/bin/env bash
# Runs concheck's runtime benchmarks and prints one table plus PASS/FAIL per
# goal (issue 3). A FAIL is printed, not returned: the exit status is non-zero
# only when the arguments are wrong.
#   run_bench.sh PLAIN_BIN CONCHECK_BIN TSAN_BIN|"" [STACK_COST_BIN]
# Environment:
#   BENCH_ROUNDS (default 3)  processes per workload and variant, run
#                             interleaved (plain, concheck, tsan, plain, ...) so
#                             that load from other users of the machine hits
#                             every variant alike
#   BENCH_REPS (default 3)    repetitions inside each process; the table shows
#                             the median of all ROUNDS x REPS samples
#   BENCH_TIMEOUT (default 150) seconds per process
# The stress workload runs once per variant (its point is memory, not speed).
set -u
if [[ $# -lt 3 ]]; then
  echo "usage: $0 PLAIN_BIN CONCHECK_BIN TSAN_BIN|\"\" [STACK_COST_BIN]" >&2
  exit 2
fi
plain=$1 concheck=$2 tsan=$3 stack_cost=${4:-}
rounds=${BENCH_ROUNDS:-3}
reps=${BENCH_REPS:-3}
run_timeout=${BENCH_TIMEOUT:-150}
workloads=(pair transfer condvar stress free_small free_large)
variants=(plain concheck)
[[ -n "$tsan" && -x "$tsan" ]] && variants+=(tsan)
has_tsan() { [[ " ${variants[*]} " == *" tsan "* ]]; }
bin_of() { case $1 in plain) echo "$plain" ;; concheck) echo "$concheck" ;; tsan) echo "$tsan" ;; esac; }
progress() { [[ -t 2 ]] && printf '  %-60s\r' "$*" >&2; }

declare -A samples rss failed
err_file=$(mktemp)
trap 'rm -f "$err_file"' EXIT

echo "concheck runtime benchmarks: median of $rounds x $reps samples (stress: 1), $(nproc) cores, $(date -u +%FT%TZ)"
for w in "${workloads[@]}"; do
  n_rounds=$rounds n_reps=$reps
  [[ $w == stress ]] && n_rounds=1 n_reps=1
  for ((round = 0; round < n_rounds; ++round)); do
    for v in "${variants[@]}"; do
      [[ -n "${failed[$w,$v]:-}" ]] && continue
      progress "running $w / $v (round $((round + 1))/$n_rounds)"
      # Default options for concheck; TSan must not stop at its first report.
      out=$(env -u CONCHECK_OPTIONS TSAN_OPTIONS=halt_on_error=0 timeout "$run_timeout" \
              "$(bin_of "$v")" "$w" "$n_reps" 2>"$err_file")
      rc=$?
      line=$(grep '^workload=' <<<"$out" | tail -1)
      if [[ $rc -ne 0 || -z "$line" ]]; then
        failed[$w,$v]=1
        echo "  $w / $v failed (exit status $rc): $(head -c 400 "$err_file" | tr '\n' ' ')" >&2
        continue
      fi
      s=$(sed -E 's/.*samples=([0-9.,]+).*/\1/' <<<"$line")
      samples[$w,$v]="${samples[$w,$v]:-}${samples[$w,$v]:+,}$s"
      r=$(sed -E 's/.*rss_kib=([0-9-]+).*/\1/' <<<"$line")
      (( ${rss[$w,$v]:-0} < r )) && rss[$w,$v]=$r
    done
  done
done
progress ""

median() {  # of a comma-separated list; "err" if empty
  [[ -z "$1" ]] && { echo err; return; }
  tr ',' '\n' <<<"$1" | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }'
}
declare -A ns
for w in "${workloads[@]}"; do
  for v in "${variants[@]}"; do
    if [[ -n "${failed[$w,$v]:-}" ]]; then ns[$w,$v]=err; rss[$w,$v]=err; else ns[$w,$v]=$(median "${samples[$w,$v]:-}"); fi
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "err" || b == "err" || b == 0) print "-"; else printf "%.1fx", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "err" || k == "") print "err"; else printf "%.1f", k / 1024 }'; }

echo
printf '%-10s %12s %14s %7s' workload "plain ns/op" "concheck ns/op" ratio
has_tsan && printf ' %11s %7s' "tsan ns/op" ratio
printf '   peak RSS MiB (plain / concheck%s)\n' "$(has_tsan && echo " / tsan")"
for w in "${workloads[@]}"; do
  label=$w
  [[ $w == stress ]] && label="stress*"
  printf '%-10s %12s %14s %7s' "$label" "${ns[$w,plain]}" "${ns[$w,concheck]}" "$(ratio "${ns[$w,concheck]}" "${ns[$w,plain]}")"
  has_tsan && printf ' %11s %7s' "${ns[$w,tsan]}" "$(ratio "${ns[$w,tsan]}" "${ns[$w,plain]}")"
  printf '   %s / %s' "$(mib "${rss[$w,plain]}")" "$(mib "${rss[$w,concheck]}")"
  has_tsan && printf ' / %s' "$(mib "${rss[$w,tsan]}")"
  printf '\n'
done
echo "* stress: ns per short-lived mutex (1,000,000 heap mutexes, each locked while holding another lock),"
echo "  then 2,000 threads created and joined 8 at a time; its point is the peak RSS"
echo "free_small: ns per malloc(32)+free with a lock alive; free_large: ns per malloc+free of 64 MiB (one page touched)"
has_tsan || echo "(no TSan column: clang++ -fsanitize=thread did not work when CMake configured bench/)"

echo
echo "goals (concheck vs plain):"
goal() {  # name, concheck value, plain value, awk condition over c and p, description
  local name=$1 c=$2 p=$3 cond=$4 what=$5 verdict
  if [[ $c == err || $p == err ]]; then
    printf '  FAIL  %-13s %s (could not measure)\n' "$name" "$what"
    return
  fi
  verdict=$(awk -v c="$c" -v p="$p" "BEGIN { print (($cond) ? \"PASS\" : \"FAIL\") }")
  printf '  %s  %-13s %s\n' "$verdict" "$name" "$what"
}
c=${ns[pair,concheck]} p=${ns[pair,plain]}
goal pair "$c" "$p" "c <= 3 * p && c - p <= 15" \
  "<= 3x plain and <= +15 ns: $(ratio "$c" "$p"), $(awk -v c="$c" -v p="$p" 'BEGIN { if (c == "err" || p == "err") print "?"; else printf "%+.1f ns", c - p }')"
c=${ns[transfer,concheck]} p=${ns[transfer,plain]}
goal transfer "$c" "$p" "c <= 4 * p" "<= 4x plain: $(ratio "$c" "$p")"
c=${ns[condvar,concheck]} p=${ns[condvar,plain]}
goal condvar "$c" "$p" "c <= 2 * p" "<= 2x plain: $(ratio "$c" "$p")"
c=${ns[free_small,concheck]} p=${ns[free_small,plain]}
goal free_small "$c" "$p" "c <= 3 * p" "malloc+free with a lock alive <= 3x plain: $(ratio "$c" "$p")"
c=${ns[free_large,concheck]} p=${ns[free_large,plain]}
goal free_large "$c" "$p" "c <= 2 * p + 20000" "free of a 64 MiB block <= 2x plain + 20 us: $(ratio "$c" "$p")"
for w in "${workloads[@]}"; do
  c=${rss[$w,concheck]} p=${rss[$w,plain]}
  goal "rss $w" "$c" "$p" "c <= 2 * p + 8192" "peak RSS <= 2x plain + 8 MiB: $(mib "$c") vs $(mib "$p") MiB"
done

if [[ -n "$stack_cost" && -x "$stack_cost" ]]; then
  echo
  echo "stack capture and symbolization (concheck_bench_stack_cost):"
  env -u CONCHECK_OPTIONS timeout "$run_timeout" "$stack_cost" | sed 's/^/  /'
fi
exit 0
