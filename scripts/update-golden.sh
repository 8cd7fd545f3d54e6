#!/usr/bin/env bash
# Rewrites the golden report files from the renderers' current output, then
# copies them into the examples of docs/reading-reports.md (the page's blocks
# marked `<!-- golden: NAME -->`). Review the diff before committing: a
# golden file changes only when a report's wording is meant to change.
#
#   scripts/update-golden.sh [BUILD_DIR]     (default: build; built already)
set -euo pipefail
build_dir=${1:-build}
if [[ ! -f "$build_dir/CTestTestfile.cmake" ]]; then
  echo "$0: '$build_dir' is not a configured build directory (run 'make build' first)" >&2
  exit 2
fi
cmake --build "$build_dir" --target concheck_detector_tests -j 2
# Golden files first (each test writes its own file), then the page from them.
UPDATE_GOLDEN=1 ctest --test-dir "$build_dir" -R '^Render(Text|Dot)\.Golden' --output-on-failure
UPDATE_GOLDEN=1 ctest --test-dir "$build_dir" -R '^DocsExamples\.' --output-on-failure
git -C "$(dirname "$0")/.." status --short -- tests/detector/golden docs/reading-reports.md
