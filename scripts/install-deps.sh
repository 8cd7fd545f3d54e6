#!/usr/bin/env bash
# Installs the Debian packages concheck needs, and only those that are missing.
#
# Required packages missing: installed when this runs as root (or with sudo that
# needs no password); otherwise one message naming them and the command, and
# exit 1. Optional packages missing: installed alongside when root, otherwise a
# note; never a failure, and an optional package apt-get could not install is
# not tried again for a day. Nothing present is re-installed, and `apt-get
# update` runs only when something is about to be installed.
set -euo pipefail

required=(
  cmake make g++ pkg-config
  libgtest-dev libgmock-dev # GoogleTest / GoogleMock
  libfmt-dev                # fmt 9.1: report formatting
  nlohmann-json3-dev        # JSON: reading saved reports (concheck report), SARIF
  libbenchmark-dev          # Google Benchmark: bench/
  libclang-19-dev           # libclang C API: analyzer/
  libclang-common-19-dev    # clang's builtin headers (stddef.h ...) for libclang
  libgcc-12-dev             # libbacktrace: symbolizing stacks in reports
)
optional=(
  graphviz                  # renders lock-order graphs (concheck report --format svg)
  clang-format              # make format-check (run by .ci/run)
  clang-tidy                # make tidy; bench/analyzer compares against clang-tidy
  libclang-rt-14-dev clang  # ThreadSanitizer column in bench/
)

missing_from() {
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      echo "$pkg"
    fi
  done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: not a Debian system (no dpkg-query); install the Debian 12 equivalents of:" >&2
  echo "install-deps:   ${required[*]}" >&2
  exit 0
fi

mapfile -t need < <(missing_from "${required[@]}")
mapfile -t want < <(missing_from "${optional[@]}")
if [[ ${#need[@]} -eq 0 && ${#want[@]} -eq 0 ]]; then
  exit 0
fi

# Optional packages apt-get already failed to install are not tried on every build.
tried_file="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/concheck/optional-packages-tried"
if [[ ${#want[@]} -gt 0 && -f "$tried_file" && -n $(find "$tried_file" -mmin -1440 2>/dev/null) ]]; then
  mapfile -t tried <"$tried_file"
  untried=()
  for pkg in "${want[@]}"; do
    [[ " ${tried[*]} " == *" $pkg "* ]] || untried+=("$pkg")
  done
  want=("${untried[@]}")
fi

note_optional() {
  [[ $# -gt 0 ]] && echo "install-deps: note: optional packages not installed: $* (the features that use" \
    "them are skipped; as root: apt-get install $*)" >&2
  return 0
}

# Root installs everything missing. Anyone else gets optional packages named in a
# note, and sudo (only if it needs no password) only for required ones.
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  note_optional "${want[@]}"
  want=()
  [[ ${#need[@]} -eq 0 ]] && exit 0
  if command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo -n)
  else
    echo "install-deps: concheck needs these Debian packages, which are not installed: ${need[*]}" >&2
    echo "install-deps: install them as root with:  apt-get install ${need[*]}" >&2
    exit 1
  fi
elif ! command -v apt-get >/dev/null 2>&1; then
  if [[ ${#need[@]} -gt 0 ]]; then
    echo "install-deps: concheck needs these packages, and apt-get is not here to install them: ${need[*]}" >&2
    exit 1
  fi
  note_optional "${want[@]}"
  exit 0
fi

if [[ ${#need[@]} -eq 0 && ${#want[@]} -eq 0 ]]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing: ${need[*]} ${want[*]}"
"${sudo_cmd[@]}" apt-get update -qq || echo "install-deps: apt-get update failed; trying the package lists at hand" >&2
if [[ ${#need[@]} -gt 0 ]]; then
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" || {
    echo "install-deps: apt-get could not install the required packages: ${need[*]}" >&2
    exit 1
  }
fi
failed=()
for pkg in "${want[@]}"; do
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$pkg" || failed+=("$pkg")
done
if [[ ${#failed[@]} -gt 0 ]]; then
  note_optional "${failed[@]}"
  mkdir -p "$(dirname "$tried_file")" 2>/dev/null && printf '%s\n' "${failed[@]}" >"$tried_file" || true
fi
exit 0
