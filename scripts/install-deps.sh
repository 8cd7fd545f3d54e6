#!/usr/bin/env bash
# Installs the Debian packages concheck needs, and only those that are missing.
# Idempotent: a second run installs nothing. Needs root (or sudo) and apt-get.
set -euo pipefail

required=(
  cmake make g++ pkg-config
  libgtest-dev libgmock-dev   # GoogleTest / GoogleMock
  libfmt-dev                  # fmt 9.1: report formatting
  nlohmann-json3-dev          # JSON: reading saved reports (concheck report), SARIF
  libbenchmark-dev            # Google Benchmark: bench/
  libclang-19-dev             # libclang C API: analyzer/
  libclang-common-19-dev      # clang's builtin headers (stddef.h ...) for libclang
  libgcc-12-dev               # libbacktrace: symbolizing stacks in reports
)
optional=(
  graphviz                    # renders lock-order graphs (concheck report --format dot) to SVG
  clang-tidy                  # bench/analyzer compares against clang-tidy
  libclang-rt-14-dev clang    # ThreadSanitizer column in bench/
)

missing_from() {
  local pkg
  for pkg in "$@"; do
    [[ "$pkg" == \#* ]] && continue
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      echo "$pkg"
    fi
  done
}

mapfile -t need < <(missing_from "${required[@]}")
mapfile -t want < <(missing_from "${optional[@]}")
if [[ ${#need[@]} -eq 0 && ${#want[@]} -eq 0 ]]; then
  echo "install-deps: all dependencies present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: missing packages: ${need[*]} ${want[*]}" >&2
  echo "install-deps: apt-get not found; install them with your package manager (Debian 12 names)." >&2
  exit 1
fi
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "install-deps: missing packages: ${need[*]} ${want[*]}" >&2
    echo "install-deps: run as root (or install sudo) so apt-get can install them." >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing: ${need[*]} ${want[*]}"
"${sudo_cmd[@]}" apt-get update -qq
if [[ ${#need[@]} -gt 0 ]]; then
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" || {
    echo "install-deps: apt-get could not install: ${need[*]}" >&2; exit 1; }
fi
for pkg in "${want[@]}"; do
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$pkg" \
    || echo "install-deps: optional package $pkg not installed; the features that use it are skipped" >&2
done
