# Shared steps of the trials on Debian packages (race_leveldb.sh,
# race_re2.sh, explore_kyotocabinet.sh, explore_zeromq.sh). Sourced, not run.
#
#   trial_fetch PACKAGE WORK FAIL_STATUS
#       apt-get source PACKAGE into WORK unless a PACKAGE-*/ folder is there;
#       sets source_dir (no trailing slash). On failure: a message naming the
#       log, then exit FAIL_STATUS.
#   race_compiler_wrapper LIBRARY OUT [COMPILER]
#       writes OUT, a compiler wrapper that adds -fsanitize=thread to compile
#       steps only (-c) and links LIBRARY (libconcheck.so, with its rpath)
#       everywhere else: with the flag on a link step libtsan would come in
#       (docs/race.md, "Instrumenting your code").
#   race_findings LOG_PREFIX
#       prints the findings of every LOG_PREFIX.* JSON Lines log (written with
#       CONCHECK_OPTIONS=format=json:log_path=LOG_PREFIX) by kind, then the 20
#       commonest (kind, first site) pairs.

trial_fetch() {
  local package=$1 work=$2 fail=$3
  if ! ls -d "$work/$package"-*/ > /dev/null 2>&1; then
    (cd "$work" && apt-get source "$package" > fetch.log 2>&1) || {
      echo "$0: apt-get source $package failed (is there a deb-src line? bench/analyzer/corpus.sh adds one); see $work/fetch.log" >&2
      exit "$fail"
    }
  fi
  source_dir=$(ls -d "$work/$package"-*/ | head -1)
  source_dir=${source_dir%/}
}

race_compiler_wrapper() {
  local library=$1 out=$2 compiler=${3:-g++}
  cat > "$out" <<WRAP
#!/bin/sh
for a in "\$@"; do
  if [ "\$a" = "-c" ]; then exec $compiler -fsanitize=thread -Wno-tsan "\$@"; fi
done
exec $compiler "\$@" "$library" -Wl,-rpath,"$(dirname "$library")"
WRAP
  chmod +x "$out"
}

race_findings() {
  cat "$1".* 2> /dev/null | python3 -c '
import json, sys, collections
kinds = collections.Counter(); where = collections.Counter()
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"): continue
    record = json.loads(line)
    if "record" in record: continue
    kinds[record["kind"]] += 1
    sites = record.get("sites") or [{}]
    where[(record["kind"], "%s:%s %s" % (sites[0].get("file", "?").split("/")[-1], sites[0].get("line", 0), sites[0].get("function", "?")[:60]))] += 1
print("findings:", dict(kinds) if kinds else "none")
for (kind, site), n in where.most_common(20):
    print("  %3d %-22s %s" % (n, kind, site))
'
}
