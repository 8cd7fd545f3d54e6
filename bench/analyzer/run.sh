#!/usr/bin/env bash
# concheck analyzer benchmark: `concheck analyze -p` next to clang-tidy with one
# cheap check, on the same files with the same -j. See bench/analyzer/README.md.
#
#   bench/analyzer/run.sh CONCHECK_BINARY [JOBS]
#
# Environment: BENCH_REPS (timed runs of each tool per project, median taken;
# default 1 so that a default run stays under ~10 minutes: one clang-tidy pass
# over GoogleTest alone takes 4-8 minutes on 2 loaded cores), RUNS and
# GTEST_RUNS (override BENCH_REPS for one project), GTEST_ONE_WORKER=0 (skip the -j 1 run
# of GoogleTest that measures one worker's memory exactly; the -j N peak then bounds it), FILES
# (TUs of the generated project, default 40),
# KEEP=1 keeps the work folder, CLANG_TIDY (default clang-tidy-14).
set -euo pipefail

CONCHECK=${1:?usage: bench/analyzer/run.sh CONCHECK_BINARY [JOBS]}
JOBS=${2:-$(nproc)}
BENCH_REPS=${BENCH_REPS:-1}
RUNS=${RUNS:-$BENCH_REPS}
GTEST_RUNS=${GTEST_RUNS:-$BENCH_REPS}
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 ]] || { echo "bench/analyzer: RUNS/BENCH_REPS must be a positive integer, not '$RUNS'" >&2; exit 2; }
[[ $GTEST_RUNS =~ ^[0-9]+$ ]] || { echo "bench/analyzer: GTEST_RUNS must be a number, not '$GTEST_RUNS'" >&2; exit 2; }
FILES=${FILES:-40}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy-14}
TIDY_CHECK='-*,misc-definitions-in-headers'
GTEST_SRC=/usr/src/googletest
GOAL_RATIO=0.5
GOAL_MB=300

die() { echo "bench/analyzer: $*" >&2; exit 2; }
[[ -x $CONCHECK ]] || die "$CONCHECK is not an executable (build the concheck_cli target first)"
command -v "$CLANG_TIDY" >/dev/null || die "$CLANG_TIDY not found (Debian package clang-tidy-14)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian package time)"
CONCHECK=$(readlink -f "$CONCHECK")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/concheck-bench-analyzer-XXXXXX")
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$WORK"' EXIT

# --- the generated project: FILES TUs sharing a header, threads, mutexes, shared data
gen=$WORK/generated
mkdir -p "$gen/include" "$gen/src" "$gen/build"
cat > "$gen/include/bank.hpp" <<'HPP'
#pragma once
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
namespace bank {
class account {
 public:
  void deposit(int amount) { std::lock_guard<std::mutex> g(mu_); balance_ += amount; }
  bool withdraw(int amount) {
    std::unique_lock<std::mutex> lock(mu_);
    if (balance_ < amount) return false;
    balance_ -= amount;
    return true;
  }
  int balance() const { std::lock_guard<std::mutex> g(mu_); return balance_; }
  std::mutex& mutex() { return mu_; }
 private:
  mutable std::mutex mu_;
  int balance_ = 0;
};
void transfer(account& from, account& to, int amount);
}  // namespace bank
HPP
for ((i = 0; i < FILES; i++)); do
  cat > "$gen/src/module_$i.cpp" <<CPP
#include "bank.hpp"
#include <atomic>
#include <functional>
#include <memory>
#include <queue>
namespace module_$i {
std::mutex queue_mutex;
std::condition_variable queue_ready;
std::queue<std::string> pending;
std::map<std::string, int> totals;
std::atomic<int> processed{0};
int unsafe_count = 0;
void produce(int n) {
  for (int k = 0; k < n; ++k) {
    std::lock_guard<std::mutex> g(queue_mutex);
    pending.push("item " + std::to_string(k));
    queue_ready.notify_one();
  }
}
void consume(int n) {
  for (int k = 0; k < n; ++k) {
    std::unique_lock<std::mutex> lock(queue_mutex);
    queue_ready.wait(lock, [] { return !pending.empty(); });
    std::string item = pending.front();
    pending.pop();
    totals[item] += 1;
    lock.unlock();
    ++processed;
    $( ((i % 4 == 0)) && echo "++unsafe_count;" )
  }
}
void audit() {
  std::lock_guard<std::mutex> g(queue_mutex);
  unsafe_count = 0;
}
int run(bank::account& a, bank::account& b) {
  std::vector<std::thread> threads;
  threads.emplace_back(produce, 100);
  threads.emplace_back(consume, 100);
  threads.emplace_back([&] { bank::transfer(a, b, 10); });
  threads.emplace_back(audit);
  for (auto& t : threads) t.join();
  return processed.load() + a.balance() + b.balance();
}
}  // namespace module_$i
CPP
done
cat > "$gen/src/transfer.cpp" <<'CPP'
#include "bank.hpp"
namespace bank {
void transfer(account& from, account& to, int amount) {
  std::lock_guard<std::mutex> a(from.mutex());
  std::lock_guard<std::mutex> b(to.mutex());
  (void)amount;
}
}  // namespace bank
CPP
python3 - "$gen" <<'PY'
import json, os, sys
root = sys.argv[1]
entries = []
for name in sorted(os.listdir(f"{root}/src")):
    entries.append({"directory": f"{root}/build", "file": f"../src/{name}",
                    "command": f"/usr/bin/g++ -std=c++20 -O2 -I../include -fno-canonical-system-headers "
                               f"-o {name}.o -c ../src/{name}"})
json.dump(entries, open(f"{root}/build/compile_commands.json", "w"), indent=1)
PY

# --- GoogleTest's own sources (Debian's googletest package), not built, just described
gt=$WORK/googletest
mkdir -p "$gt"
if [[ -d $GTEST_SRC/googletest/src ]]; then
  python3 - "$GTEST_SRC" "$gt" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
flags = (f"-std=c++17 -O2 -DGTEST_HAS_PTHREAD=1 -I{src}/googletest/include -I{src}/googletest "
         f"-I{src}/googlemock/include -I{src}/googlemock")
entries = []
for dirpath, _, names in sorted(os.walk(src)):
    for name in sorted(names):
        if name.endswith(".cc"):
            path = os.path.join(dirpath, name)
            extra = ""
            if name == "googletest-death-test_ex_test.cc":  # as googletest's CMake builds it
                extra = " -DGTEST_ENABLE_CATCH_EXCEPTIONS_=1 -fexceptions"
            entries.append({"directory": src, "file": path,
                            "command": f"/usr/bin/g++ {flags}{extra} -o /dev/null -c {path}"})
json.dump(entries, open(f"{out}/compile_commands.json", "w"), indent=1)
PY
fi

# --- measuring
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

# run_timed LOG CMD...: runs CMD under /usr/bin/time -v; prints "seconds peak_kb".
run_timed() {
  local log=$1; shift
  /usr/bin/time -v -o "$log.time" "$@" >"$log.out" 2>"$log.err" || true
  local wall kb
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log.time" |
         awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time")
  echo "$wall $kb"
}

files_of() {
  python3 -c 'import json, os, sys
for e in json.load(open(sys.argv[1])):
    print(os.path.normpath(os.path.join(e["directory"], e["file"])))' "$1/compile_commands.json"
}

# bench NAME DB_DIR RUNS ONE_WORKER
bench() {
  local name=$1 db=$2 runs=$3 one_worker=$4 n c_times=() t_times=() c_kb=0 t_kb=0 one_kb=0 r
  n=$(files_of "$db" | wc -l)
  echo "== $name: $n translation units, -j $JOBS, $runs run(s) each" >&2
  for ((r = 0; r < runs; r++)); do
    read -r s kb < <(run_timed "$WORK/$name.concheck.$r" "$CONCHECK" analyze -p "$db" -j "$JOBS" --no-progress --stats)
    c_times+=("$s"); (( kb > c_kb )) && c_kb=$kb
    echo "   concheck   run $r: ${s} s, peak ${kb} KB ($(tail -1 "$WORK/$name.concheck.$r.err"))" >&2
    files_of "$db" > "$WORK/$name.files"
    read -r s kb < <(run_timed "$WORK/$name.tidy.$r" xargs -a "$WORK/$name.files" -P "$JOBS" -n 1 \
      "$CLANG_TIDY" -p "$db" --quiet "--checks=$TIDY_CHECK")
    t_times+=("$s"); (( kb > t_kb )) && t_kb=$kb
    echo "   clang-tidy run $r: ${s} s, peak ${kb} KB per process" >&2
  done
  # One worker's memory: what the process holds above its fixed part (libclang's
  # code and data, loaded once per process and shared by every worker: the peak
  # of analyzing an empty file, BASE_KB). Exactly, with -j 1: that run's peak
  # minus the base (the facts of every TU, held until the rules run, are
  # counted in). With -j N, the process above the base is shared by N workers;
  # the larger of the two is the figure. Without a -j 1 run (ONE_WORKER=0), the
  # whole -j N process above the base stands in: an upper bound.
  if [[ $one_worker == 1 ]]; then
    read -r s one_kb < <(run_timed "$WORK/$name.concheck.j1" "$CONCHECK" analyze -p "$db" -j 1 --no-progress)
    echo "   concheck -j 1: ${s} s, peak ${one_kb} KB" >&2
  else
    one_kb=$c_kb
    echo "   (no -j 1 run: the -j $JOBS process peak, ${c_kb} KB, bounds one worker's)" >&2
  fi
  local ct tt
  ct=$(printf '%s\n' "${c_times[@]}" | median)
  tt=$(printf '%s\n' "${t_times[@]}" | median)
  awk -v name="$name" -v n="$n" -v ct="$ct" -v tt="$tt" -v ckb="$c_kb" -v one="$one_kb" -v tkb="$t_kb" \
      -v goal="$GOAL_RATIO" -v goal_mb="$GOAL_MB" -v jobs="$JOBS" -v base="$BASE_KB" -v exact="$one_worker" 'BEGIN {
    ratio = (tt > 0) ? ct / tt : 0
    per_worker = (one - base) / 1024
    shared = (ckb - base) / jobs / 1024
    if (exact == 1 && shared > per_worker) per_worker = shared
    verdict = (ratio <= goal && per_worker < goal_mb) ? "PASS" : "FAIL"
    printf "%-12s %5d %10.1f %12.1f %7.2f %14.0f %16.0f %14.0f   %s\n", name, n, ct, tt, ratio, ckb / 1024, per_worker, tkb / 1024, verdict
  }'
}

# The process's fixed part: libclang loaded, an empty file analyzed.
printf 'int concheck_bench_empty;\n' > "$WORK/empty.cpp"
read -r _ BASE_KB < <(run_timed "$WORK/empty" "$CONCHECK" analyze --no-progress "$WORK/empty.cpp")
echo "== base: analyzing an empty file peaks at ${BASE_KB} KB (libclang loaded once per process)" >&2

echo "concheck analyzer benchmark: $("$CONCHECK" --version), $("$CLANG_TIDY" --version | grep -m1 version | sed 's/^ *//'), -j $JOBS on $(nproc) cores"
header=$(printf "%-12s %5s %10s %12s %7s %14s %16s %14s   %s" project TUs concheck_s clang-tidy_s ratio concheck_MB MB_per_worker tidy_MB verdict)
rows=()
rows+=("$(bench generated "$gen/build" "$RUNS" 1)")
if [[ -f $gt/compile_commands.json && $GTEST_RUNS -gt 0 ]]; then
  rows+=("$(bench googletest "$gt" "$GTEST_RUNS" "${GTEST_ONE_WORKER:-1}")")
else
  echo "(GoogleTest skipped: GTEST_RUNS=0, or no sources in $GTEST_SRC (Debian package googletest))" >&2
fi
echo
echo "$header"
printf '%s\n' "${rows[@]}"
echo
echo "goals: concheck time <= ${GOAL_RATIO}x clang-tidy's ($TIDY_CHECK), one worker's memory < ${GOAL_MB} MB"
echo "(concheck_MB: the whole process's peak RSS with -j $JOBS; MB_per_worker: above the process's fixed"
echo " $((BASE_KB / 1024)) MB (libclang, once per process), the larger of the -j 1 peak and the -j $JOBS peak / $JOBS,"
echo " or the whole -j $JOBS process where no -j 1 run was made; tidy_MB: the largest clang-tidy process)"
if printf '%s\n' "${rows[@]}" | grep -q 'FAIL$'; then exit 1; fi
