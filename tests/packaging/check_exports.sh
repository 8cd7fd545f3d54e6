#!/usr/bin/env bash
# Checks the dynamic symbols a shared library exports against an allow-list.
#   check_exports.sh LIBRARY ALLOW_LIST
# Fails, naming each symbol, when the library exports a symbol the list does not
# allow, or lacks one the list says it must export. Names are compared
# demangled (nm -C), one entry per line of ALLOW_LIST:
#   must    NAME     exported, exactly this name (an interposed function, the API)
#   may     NAME     allowed, exactly this name, may be absent (e.g. in one build flavour)
#   pattern GLOB     allowed, any name matching the shell glob, may be absent
# '#' starts a comment line.
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 LIBRARY ALLOW_LIST" >&2
  exit 2
fi
library=$1 list=$2
[[ -r "$library" ]] || { echo "FAIL: cannot read library '$library'" >&2; exit 1; }
[[ -r "$list" ]] || { echo "FAIL: cannot read allow-list '$list'" >&2; exit 1; }

declare -A exact=() required=()
patterns=()
line_number=0
while IFS= read -r line || [[ -n "$line" ]]; do
  line_number=$((line_number + 1))
  [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
  if [[ ! "$line" =~ ^(must|may|pattern)[[:space:]]+(.+[^[:space:]])[[:space:]]*$ ]]; then
    echo "FAIL: $list:$line_number: expected 'must NAME', 'may NAME' or 'pattern GLOB', got: $line" >&2
    exit 1
  fi
  kind=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]}
  case $kind in
    must) exact[$name]=1 required[$name]=1 ;;
    may) exact[$name]=1 ;;
    pattern) patterns+=("$name") ;;
  esac
done < "$list"

# "ADDRESS TYPE NAME": the name is everything after the second space (a
# demangled name has spaces of its own).
exported=$(nm -D --defined-only -C "$library" | cut -d' ' -f3- | sort -u)
count=0 status=0
declare -A seen=()
while IFS= read -r symbol; do
  [[ -z "$symbol" ]] && continue
  count=$((count + 1))
  seen[$symbol]=1
  [[ -n "${exact[$symbol]:-}" ]] && continue
  allowed=0
  for glob in "${patterns[@]}"; do
    # shellcheck disable=SC2053 # the right-hand side is a glob on purpose
    if [[ "$symbol" == $glob ]]; then allowed=1; break; fi
  done
  if [[ $allowed == 0 ]]; then
    echo "FAIL: $(basename "$library") exports '$symbol', which $list does not allow" >&2
    status=1
  fi
done <<< "$exported"
for name in "${!required[@]}"; do
  if [[ -z "${seen[$name]:-}" ]]; then
    echo "FAIL: $(basename "$library") does not export '$name', which $list requires" >&2
    status=1
  fi
done
if [[ $status == 0 ]]; then
  echo "$(basename "$library"): $count exported symbols, all allowed"
else
  echo "(the export list is runtime/exports.map; change it and $list together)" >&2
fi
exit $status
