#!/bin/sh
# The analyzer part of `make demo`: runs `concheck analyze` on every
# samples/analyzer/*_buggy.cpp and *_fixed.cpp and shows its diagnostics under
# a heading taken from the sample's opening comment, then the exit status
# (1: findings, 0: clean). Nothing is compiled or run: the analyzer reads the
# sources.
#
#   samples/demo-analyzer.sh BUILD_DIR      (uses BUILD_DIR/bin/concheck)
#
# Exit status: 0 when every buggy sample has findings and every fixed one is
# clean, 1 otherwise, 2 on usage errors.
set -u

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
concheck="$1/bin/concheck"
if [ ! -x "$concheck" ]; then
  echo "$0: '$concheck' is missing: build the concheck_cli target (cmake --build $1 --target concheck_cli)" >&2
  exit 2
fi
concheck=$(cd "$(dirname "$concheck")" && pwd)/concheck
here=$(cd "$(dirname "$0")/analyzer" && pwd)
cd "$here" || exit 2

status=0
for kind in buggy fixed; do
  for sample in *_"$kind".cpp; do
    [ -f "$sample" ] || continue
    # The heading: the first two sentences of the sample's opening comment.
    title=$(awk '/^\/\//{sub(/^\/\/ */, ""); text = text $0 " "; next} {exit}
                 END {sub(/^Analyzer sample: */, "", text); n = 0; out = ""
                      while (n < 2 && match(text, /[.!?] /)) { out = out substr(text, 1, RSTART); text = substr(text, RSTART + 1); n++ }
                      print (out == "" ? text : out)}' "$sample")
    printf '\n==== %s: %s\n' "$sample" "$title"
    "$concheck" analyze --no-progress "$sample"
    rc=$?
    if [ "$kind" = buggy ]; then expected=1; else expected=0; fi
    if [ "$rc" -eq "$expected" ]; then
      printf -- '---- exit status %s, as expected for a %s sample\n' "$rc" "$kind"
    else
      printf -- '---- exit status %s, but a %s sample should give %s\n' "$rc" "$kind" "$expected"
      status=1
    fi
  done
done
exit "$status"
