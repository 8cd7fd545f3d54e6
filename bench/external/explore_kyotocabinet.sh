#!/usr/bin/env bash
# Explore mode on code nobody here wrote: Debian's kyotocabinet (a key-value
# store whose `kchashtest wicked` runs threads on pthread mutexes and
# reader-writer locks, with transactions that wait for each other by taking a
# lock, checking, releasing it and yielding), run under `concheck run`. It is
# a correct program: every schedule should pass. A trial, not a CI test
# (docs/explore.md, "Long schedules and livelocks", has what it showed).
#
#   explore_kyotocabinet.sh BUILD_DIR [WORK_DIR] [SCHEDULES]
#     BUILD_DIR   a concheck build tree (BUILD_DIR/bin/concheck)
#     WORK_DIR    where the source is fetched and built (default: a temporary
#                 folder; reused when given, so a second run skips the build)
#     SCHEDULES   schedules to run (default 150: past schedule 136, the one
#                 that failed before the step bound counted only spin steps)
# Needs: apt-get source (a deb-src line), g++, make, zlib1g-dev. Exit status:
# concheck run's (0: every schedule passed, 1: one failed), or 2 when the
# arguments are wrong or kyotocabinet could not be fetched or built.
set -u
if [[ $# -lt 1 || ! -x "$1/bin/concheck" ]]; then
  echo "usage: $0 BUILD_DIR [WORK_DIR] [SCHEDULES]   (BUILD_DIR/bin/concheck must exist)" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "$1" && pwd)
work=${2:-$(mktemp -d)}
schedules=${3:-150}
mkdir -p "$work" && work=$(cd "$work" && pwd)

cd "$work" || exit 2
source "$here/trial_common.sh"
trial_fetch kyotocabinet "$work" 2
if [[ ! -x "$source_dir/kchashtest" ]]; then
  (cd "$source_dir" && ./configure > "$work/configure.log" 2>&1) ||
    { echo "$0: configuring kyotocabinet failed; see $work/configure.log" >&2; exit 2; }
  make -C "$source_dir" -j"$(nproc)" kchashtest > "$work/build.log" 2>&1 ||
    { echo "$0: building kyotocabinet failed; see $work/build.log" >&2; exit 2; }
fi

# The test seeds its random generator from gettimeofday(), which explore
# mode does not make virtual: a fixed KCRNDSEED makes every schedule run the
# same program, so a failing schedule's token replays it. Opening the
# database writes a 6 MB file, which took more than the stall watch's 5 s of
# real time on a loaded machine (load 10-14 on 2 CPUs) when the watch counted
# real time (it now counts CPU time, and real time asleep): KC_STALL_MS
# (default 30000) sets explore_stall_ms.
rm -f "$work/casket.kch"
echo "concheck run --schedules $schedules -- kchashtest wicked -th 4 casket.kch 1000 (load: $(cut -d' ' -f1-3 /proc/loadavg))"
start=$(date +%s.%N)
CONCHECK_OPTIONS="explore_stall_ms=${KC_STALL_MS:-30000}${CONCHECK_OPTIONS:+:$CONCHECK_OPTIONS}" \
  KCRNDSEED=${KCRNDSEED:-1} LD_LIBRARY_PATH="$source_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  "$build/bin/concheck" run --schedules "$schedules" -- "$source_dir/kchashtest" wicked -th 4 \
  "$work/casket.kch" 1000 > "$work/run.log" 2>&1
status=$?
end=$(date +%s.%N)
grep -E '^concheck run|^  concheck run --replay|step-bound-exceeded|^  Last step' "$work/run.log"
echo "exit status $status in $(echo "$end - $start" | bc) s; the whole output is in $work/run.log"
exit $status
