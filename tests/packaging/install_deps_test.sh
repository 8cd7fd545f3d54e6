#!/usr/bin/env bash
# scripts/install-deps.sh against fake dpkg-query/apt-get/sudo/id on PATH:
# required packages missing without root is one clear error naming them and the
# command; optional ones are a note, never a failure, never sudo; nothing present
# is re-installed and apt-get update runs only when something is installed; an
# optional package apt-get failed on is not retried on the next build.
set -u
script="$1/scripts/install-deps.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/home"
cat >"$work/bin/dpkg-query" <<'FAKE'
#!/usr/bin/env bash
pkg="${@: -1}"
grep -qx "$pkg" "$FAKE_INSTALLED" && echo "install ok installed" && exit 0
exit 1
FAKE
cat >"$work/bin/apt-get" <<'FAKE'
#!/usr/bin/env bash
echo "apt-get $*" >>"$FAKE_LOG"
[[ "$1" == install ]] && for p in "$@"; do [[ "$p" == "${FAKE_FAIL:-none}" ]] && exit 100; done
exit 0
FAKE
cat >"$work/bin/id" <<'FAKE'
#!/usr/bin/env bash
echo "${FAKE_UID:-1000}"
FAKE
cat >"$work/bin/sudo" <<'FAKE'
#!/usr/bin/env bash
echo "sudo $*" >>"$FAKE_LOG"
exit 1
FAKE
chmod +x "$work/bin/"*
all="cmake make g++ pkg-config libgtest-dev libgmock-dev libfmt-dev nlohmann-json3-dev libbenchmark-dev
libclang-19-dev libclang-common-19-dev libgcc-12-dev graphviz clang-format clang-tidy libclang-rt-14-dev clang"
failures=0
checks=0
check() {  # check NAME CONDITION...
  local name=$1; shift; checks=$((checks + 1))
  if "$@"; then echo "ok: $name"; else echo "FAIL: $name"; failures=$((failures + 1)); fi
}
run() {  # run INSTALLED-LIST [env...]: runs the script, sets out/rc
  printf '%s\n' $1 >"$work/installed"; shift
  : >"$work/log"
  out=$(env PATH="$work/bin:$PATH" HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache" \
    FAKE_INSTALLED="$work/installed" FAKE_LOG="$work/log" "$@" bash "$script" 2>&1)
  rc=$?
}
everything_but() { local skip=" $* "; for p in $all; do [[ "$skip" == *" $p "* ]] || echo "$p"; done; }

run "$all" FAKE_UID=0
check "nothing missing: silent, exit 0, no apt-get" [ "$rc" -eq 0 -a -z "$out" -a ! -s "$work/log" ]

run "$(everything_but libfmt-dev libgtest-dev)" FAKE_UID=1000
check "required missing, not root: exit 1" [ "$rc" -eq 1 ]
check "required missing, not root: names packages and command" \
  grep -q "libfmt-dev.*libgtest-dev\|libgtest-dev.*libfmt-dev" <<<"$out"
check "required missing, not root: gives the command" grep -q "apt-get install" <<<"$out"
check "required missing, not root: no apt-get" [ ! -s "$work/log" -o -z "$(grep apt-get "$work/log")" ]

run "$(everything_but graphviz clang-tidy)" FAKE_UID=1000
check "optional missing, not root: exit 0" [ "$rc" -eq 0 ]
check "optional missing, not root: a note naming them" grep -q "note:.*graphviz" <<<"$out"
check "optional missing, not root: no sudo, no apt-get" [ ! -s "$work/log" ]

run "$(everything_but libfmt-dev graphviz)" FAKE_UID=0
check "root: installs what is missing" grep -q "apt-get install .*libfmt-dev" "$work/log"
check "root: update before installing" grep -q "apt-get update" "$work/log"
check "root: installs optional too" grep -q "apt-get install .*graphviz" "$work/log"
check "root: nothing present re-installed" bash -c "! grep -q 'install .*cmake' '$work/log'"

rm -rf "$work/home/.cache"
run "$(everything_but graphviz)" FAKE_UID=0 FAKE_FAIL=graphviz
check "optional install fails: exit 0" [ "$rc" -eq 0 ]
check "optional install fails: a note" grep -q "note:.*graphviz" <<<"$out"
run "$(everything_but graphviz)" FAKE_UID=0 FAKE_FAIL=graphviz
check "optional install failed once: not retried, no update" [ "$rc" -eq 0 -a ! -s "$work/log" ]

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
