#!/usr/bin/env bash
# make demo: runs each part's demo on the bundled samples (each part adds its script).
set -uo pipefail
build_dir=$(realpath "${1:-build}")
here=$(cd "$(dirname "$0")/.." && pwd)
status=0
ran=0
for part in "$here"/samples/demo-*.sh; do
  [[ -f "$part" ]] || continue
  ran=1
  bash "$part" "$build_dir" || { echo "demo: $(basename "$part") failed" >&2; status=1; }
done
if [[ $ran -eq 0 ]]; then
  echo "concheck $("$build_dir/bin/concheck" --version 2>/dev/null | awk '{print $2}') built; no samples yet."
fi
exit $status
