#!/usr/bin/env bash
# make install PREFIX=/dir: installs a built tree into PREFIX (bin/concheck, the
# libraries, include/concheck, lib/cmake/concheck, lib/pkgconfig/concheck.pc).
set -euo pipefail
check_only=0
if [[ "${1:-}" == --check-only ]]; then check_only=1; build_dir=; prefix=${2:-}; else build_dir=$1; prefix=${2:-}; fi
if [[ -z "$prefix" ]]; then
  echo "make install: say where: make install PREFIX=/some/dir (e.g. PREFIX=/usr/local or PREFIX=\$HOME/.local)" >&2
  exit 2
fi
prefix=$(realpath -m -- "$prefix")
if [[ -e "$prefix" && ! -d "$prefix" ]]; then
  echo "make install: PREFIX '$prefix' exists and is not a directory; choose a directory" >&2
  exit 2
fi
if ! mkdir -p -- "$prefix" 2>/dev/null || [[ ! -w "$prefix" ]]; then
  echo "make install: cannot write to PREFIX '$prefix' (permissions?); choose a directory you can write, or run as root" >&2
  exit 2
fi
[[ $check_only == 1 ]] && exit 0
cmake --install "$build_dir" --prefix "$prefix"
echo "concheck installed in $prefix: use find_package(concheck) with -DCMAKE_PREFIX_PATH=$prefix, or PKG_CONFIG_PATH=$prefix/lib/pkgconfig"
