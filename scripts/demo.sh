#!/usr/bin/env bash
# make demo: shows what concheck finds in samples/, one part after the other:
# the analyzer on the samples' sources, the runtime (monitor mode) on their
# programs, then explore mode on the lessons that need its scheduler
# (samples/explore), then race detection on its samples (demo-race.sh). A part
# whose demo is missing or fails fails the demo.
set -uo pipefail
build_dir=$(realpath "${1:-build}")
here=$(cd "$(dirname "$0")/.." && pwd)
status=0
for part in demo-analyzer.sh demo-runtime.sh demo-explore.sh demo-race.sh; do
  bash "$here/samples/$part" "$build_dir" || { echo "demo: $part failed" >&2; status=1; }
done
exit $status
