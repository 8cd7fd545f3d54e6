#!/usr/bin/env bash
# Monitor and explore mode on code nobody here wrote: Debian's libzmq (ZeroMQ
# 4.3). Its threads (the application's, an I/O thread, the reaper) hand each
# other commands through lock-free pipes and wake each other through event
# fds, waiting in poll() and epoll_wait(); its mutex_t is a lock wrapper class
# over a pthread mutex. Each test is run plain with LD_PRELOAD (monitor mode:
# it must pass with no report), then under `concheck run` (explore mode:
# every schedule should pass). A trial, not a CI test (docs/explore.md,
# "Pipes, sockets and event fds", has what it showed).
#
#   explore_zeromq.sh BUILD_DIR [WORK_DIR] [SCHEDULES] [TEST...]
#     BUILD_DIR   a concheck build tree (BUILD_DIR/bin/concheck,
#                 BUILD_DIR/runtime/libconcheck_preload.so)
#     WORK_DIR    where the source is fetched and built (default: a temporary
#                 folder; reused when given, so a second run skips the build)
#     SCHEDULES   schedules per test (default 20)
#     TEST        libzmq tests to run (default: test_ctx_destroy
#                 test_inproc_connect test_shutdown_stress test_pair_inproc
#                 test_reqrep_inproc test_spec_pushpull)
# Needs: apt-get source (a deb-src line), cmake, g++, make. Exit status: 0 when
# every run passed, 1 when one failed, 2 when the arguments are wrong or
# libzmq could not be fetched or built.
set -u
if [[ $# -lt 1 || ! -x "$1/bin/concheck" ]]; then
  echo "usage: $0 BUILD_DIR [WORK_DIR] [SCHEDULES] [TEST...]   (BUILD_DIR/bin/concheck must exist)" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "$1" && pwd)
work=${2:-$(mktemp -d)}
schedules=${3:-20}
shift $(($# < 3 ? $# : 3))
tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || tests=(test_ctx_destroy test_inproc_connect test_shutdown_stress test_pair_inproc
  test_reqrep_inproc test_spec_pushpull)
preload="$build/runtime/libconcheck_preload.so"
[[ -e $preload ]] || { echo "$0: $preload is missing" >&2; exit 2; }
mkdir -p "$work" && work=$(cd "$work" && pwd)

cd "$work" || exit 2
source "$here/trial_common.sh"
trial_fetch zeromq3 "$work" 2
objects="$work/build"
missing=()
for t in "${tests[@]}"; do [[ -x "$objects/bin/$t" ]] || missing+=("$t"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  cmake -S "$source_dir" -B "$objects" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTS=ON -DBUILD_STATIC=OFF \
    -DWITH_LIBSODIUM=OFF -DENABLE_CURVE=OFF -DENABLE_DRAFTS=OFF > "$work/configure.log" 2>&1 ||
    { echo "$0: configuring libzmq failed; see $work/configure.log" >&2; exit 2; }
  cmake --build "$objects" -j"$(nproc)" --target "${missing[@]}" > "$work/build.log" 2>&1 ||
    { echo "$0: building libzmq failed; see $work/build.log" >&2; exit 2; }
fi

failed=0
echo "libzmq tests, monitor mode (LD_PRELOAD) then concheck run --schedules $schedules (load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-24s %-18s %8s  %s\n' test monitor seconds explore
for t in "${tests[@]}"; do
  LD_PRELOAD="$preload" timeout 300 "$objects/bin/$t" > "$work/$t.monitor.log" 2>&1
  monitor_status=$?
  monitor="exit $monitor_status"
  if [[ $monitor_status -eq 0 ]] && ! grep -q '^concheck: ' "$work/$t.monitor.log"; then
    monitor="passed, clean"
  else
    failed=1
  fi
  start=$(date +%s.%N)
  (cd "$objects" && "$build/bin/concheck" run --schedules "$schedules" --timeout 120 -- "bin/$t") \
    > "$work/$t.explore.log" 2>&1
  explore_status=$?
  end=$(date +%s.%N)
  summary=$(grep -E '^concheck run: ' "$work/$t.explore.log" | tail -1 | cut -c15-)
  [[ $explore_status -eq 0 ]] || failed=1
  printf '%-24s %-18s %8.1f  %s\n' "$t" "$monitor" "$(echo "$end - $start" | bc)" "${summary:-exit $explore_status}"
done
echo "logs: $work/TEST.monitor.log, $work/TEST.explore.log"
exit $failed
