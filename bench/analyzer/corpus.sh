#!/usr/bin/env bash
# concheck analyzer on real code: a corpus of Debian source packages that use
# threads and locks. For each project: fetch it (apt-get source), build its
# compile database (configure and generation steps only, nothing compiled),
# run `concheck analyze -p`, compare every finding with the hand-made verdicts
# in corpus-verdicts.tsv, and time clang-tidy with one cheap check on the same
# files with the same -j. See bench/analyzer/README.md, section "Corpus".
#
#   bench/analyzer/corpus.sh CONCHECK_BINARY [JOBS]
#
# Environment:
#   PROJECTS     projects to run, space-separated (default: all of them:
#                leveldb re2 google-glog kyotocabinet zeromq3 thrift)
#   CORPUS_DIR   cache of sources and compile databases (default
#                /var/tmp/concheck-corpus; a second run reuses it)
#   TIDY=0       skip clang-tidy (no time ratio)
#   BENCH_REPS   timed runs of each tool per project, median taken (default 1)
#   VERDICTS     the verdict file (default: corpus-verdicts.tsv next to this)
#   CLANG_TIDY   default clang-tidy-14
#   CONCHECK_ARGS extra arguments for `concheck analyze` (e.g. --checks=...)
# Exit status: 0 when every project ran (goals met or not: they are printed),
# 2 on bad input (missing binary or tool, unknown project, a project that
# could not be fetched or prepared; the other projects still run).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=$HERE/corpus_tool.py
ALL_PROJECTS="leveldb re2 google-glog kyotocabinet zeromq3 thrift"
CONCHECK=${1:-}
JOBS=${2:-$(nproc)}
PROJECTS=${PROJECTS:-$ALL_PROJECTS}
CORPUS_DIR=${CORPUS_DIR:-/var/tmp/concheck-corpus}
TIDY=${TIDY:-1}
BENCH_REPS=${BENCH_REPS:-1}
VERDICTS=${VERDICTS:-$HERE/corpus-verdicts.tsv}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy-14}
TIDY_CHECK='-*,misc-definitions-in-headers'
GOAL_SHARE=80
GOAL_PER_5K=1
GOAL_RATIO=0.5

die() { echo "corpus: $*" >&2; exit 2; }
[[ -n $CONCHECK ]] || die "usage: bench/analyzer/corpus.sh CONCHECK_BINARY [JOBS]"
[[ -x $CONCHECK && ! -d $CONCHECK ]] || die "'$CONCHECK' is not an executable (build the concheck_cli target first: build/bin/concheck)"
CONCHECK=$(readlink -f "$CONCHECK")
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer, not '$JOBS'"
[[ $BENCH_REPS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS must be a positive integer, not '$BENCH_REPS'"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian package time)"
command -v python3 >/dev/null || die "python3 not found"
if [[ $TIDY != 0 ]]; then
  command -v "$CLANG_TIDY" >/dev/null || die "$CLANG_TIDY not found (Debian package clang-tidy-14; TIDY=0 skips it)"
fi
status=0
selected=()
for p in $PROJECTS; do
  if [[ " $ALL_PROJECTS " == *" $p "* ]]; then
    selected+=("$p")
  else
    echo "corpus: unknown project '$p' (known: $ALL_PROJECTS); the others still run" >&2
    status=2
  fi
done
mkdir -p "$CORPUS_DIR" || die "cannot create the cache folder $CORPUS_DIR (CORPUS_DIR=...)"
CORPUS_DIR=$(readlink -f "$CORPUS_DIR")
RUN=$(mktemp -d "${TMPDIR:-/tmp}/concheck-corpus-run-XXXXXX")
echo "corpus: sources and databases in $CORPUS_DIR, this run's logs in $RUN" >&2

# --- deb-src: apt-get source needs one; mirror the existing deb entries.
have_deb_src() {
  grep -rqsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null ||
    grep -rqsE '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources 2>/dev/null
}
ensure_deb_src() {
  have_deb_src && return 0
  [[ $(id -u) == 0 ]] || { echo "corpus: no deb-src entry in the apt sources and not root: add one (mirroring the deb entry) and run apt-get update" >&2; return 1; }
  echo "corpus: no deb-src entry in the apt sources: adding one that mirrors each deb entry, then apt-get update" >&2
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    sed -nE 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f"
  done > /etc/apt/sources.list.d/concheck-corpus-src.list
  python3 "$TOOL" debsrc /etc/apt/sources.list.d/*.sources > /etc/apt/sources.list.d/concheck-corpus-src.sources
  [[ -s /etc/apt/sources.list.d/concheck-corpus-src.list ]] || rm -f /etc/apt/sources.list.d/concheck-corpus-src.list
  [[ -s /etc/apt/sources.list.d/concheck-corpus-src.sources ]] || rm -f /etc/apt/sources.list.d/concheck-corpus-src.sources
  echo "corpus: wrote /etc/apt/sources.list.d/concheck-corpus-src.{list,sources}" >&2
  apt-get update >"$RUN/apt-update.log" 2>&1 || { echo "corpus: apt-get update failed; see $RUN/apt-update.log" >&2; return 1; }
}

# need_package DEB: installs a Debian package a project's generation step needs.
need_package() {
  dpkg -s "$1" >/dev/null 2>&1 && return 0
  [[ $(id -u) == 0 ]] || { echo "corpus: Debian package $1 is needed; install it" >&2; return 1; }
  echo "corpus: installing Debian package $1 (needed to prepare the project)" >&2
  apt-get install -y "$1" >"$RUN/install-$1.log" 2>&1 || { echo "corpus: apt-get install $1 failed; see $RUN/install-$1.log" >&2; return 1; }
}

# fetch NAME: the unpacked source folder of Debian source package NAME, printed.
fetch() {
  local name=$1 dir=$CORPUS_DIR/$1 src
  mkdir -p "$dir"
  src=$(find "$dir" -mindepth 1 -maxdepth 1 -type d -name "$name-*" | head -1)
  if [[ -z $src ]]; then
    ensure_deb_src || return 1
    echo "corpus: $name: apt-get source $name" >&2
    (cd "$dir" && apt-get source "$name") >"$dir/fetch.log" 2>&1 ||
      { echo "corpus: $name: apt-get source $name failed; see $dir/fetch.log" >&2; return 1; }
    src=$(find "$dir" -mindepth 1 -maxdepth 1 -type d -name "$name-*" | head -1)
    [[ -n $src ]] || { echo "corpus: $name: no source folder after apt-get source; see $dir/fetch.log" >&2; return 1; }
  fi
  echo "$src"
}

cmake_db() {  # cmake_db SRC BUILD [cmake options...]
  local src=$1 build=$2; shift 2
  cmake -S "$src" -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
}

# prepare NAME SRC: configures the project (generated headers included) and
# writes CORPUS_DIR/NAME/build/compile_commands.json.
prepare() {
  local name=$1 src=$2 build=$CORPUS_DIR/$1/build
  case $name in
    leveldb) cmake_db "$src" "$build" -DLEVELDB_BUILD_BENCHMARKS=OFF ;;
    re2)  # the Debian source drops the generated tables; regenerate them as debian/rules does
      need_package unicode-data && need_package perl &&
        make -C "$src" REBUILD_TABLES=1 re2/perl_groups.cc re2/unicode_casefold.cc re2/unicode_groups.cc &&
        cmake_db "$src" "$build" -DRE2_BUILD_TESTING=ON ;;
    google-glog) cmake_db "$src" "$build" -DWITH_GFLAGS=OFF -DWITH_UNWIND=OFF ;;
    kyotocabinet)  # autotools: configure, then the compile commands `make -n` prints
      need_package zlib1g-dev && (cd "$src" && ./configure) && python3 "$TOOL" makedb "$src" "$build" ;;
    zeromq3) cmake_db "$src" "$build" -DWITH_LIBSODIUM=OFF -DENABLE_CURVE=OFF -DWITH_DOCS=OFF \
      -DBUILD_TESTS=ON -DENABLE_DRAFTS=OFF -DWITH_PERF_TOOL=ON ;;
    thrift)  # the C++ library, its tests and the cross-language test server; the tests' gen-cpp
      # code is generated by Debian's thrift compiler (0.17.0, the source's version; only its
      # commands are run: ninja would build the library first), then left out of the
      # database (generated code is not the project's); cmake's tree is
      # CORPUS_DIR/thrift/cmake, the filtered database CORPUS_DIR/thrift/build. Boost 1.74's
      # mpl casts -1 to an enum, an error by default in clang 16 to 19 (libclang 19 parses for
      # concheck): -Wno-enum-constexpr-conversion lets both tools parse test/cpp's two files
      local tree=$CORPUS_DIR/$name/cmake
      local p
      for p in thrift-compiler libboost-dev libboost-test-dev libboost-filesystem-dev \
               libboost-thread-dev libboost-chrono-dev libboost-program-options-dev \
               libboost-random-dev libevent-dev libssl-dev zlib1g-dev ninja-build; do
        need_package "$p" || return 1
      done
      cmake -S "$src" -B "$tree" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DBUILD_COMPILER=OFF -DTHRIFT_COMPILER=/usr/bin/thrift -DBUILD_TESTING=ON -DBUILD_TUTORIALS=OFF \
        -DWITH_C_GLIB=OFF -DWITH_JAVA=OFF -DWITH_PYTHON=OFF -DWITH_JAVASCRIPT=OFF -DWITH_NODEJS=OFF \
        -DWITH_AS3=OFF -DWITH_QT5=OFF -DWITH_KOTLIN=OFF &&
        ninja -C "$tree" -t targets all | awk -F': ' '$1 ~ /\/gen-[a-z]+\/[^\/]*\.(h|cpp|tcc)$/ { print $1 }' |
          sort -u >"$tree/generated.txt" &&
        xargs -a "$tree/generated.txt" ninja -C "$tree" -t commands | grep -F '&& /usr/bin/thrift ' |
          sort -u >"$tree/generate.sh" && [[ -s $tree/generate.sh ]] && sh -e "$tree/generate.sh" &&
        python3 "$TOOL" keepdb "$tree" "$build" "$src" -Wno-enum-constexpr-conversion ;;
  esac
}

# run_timed LOG CMD...: runs CMD under /usr/bin/time -v; prints "seconds peak_kb".
run_timed() {
  local log=$1; shift
  /usr/bin/time -v -o "$log.time" "$@" >"$log.out" 2>"$log.err"
  local wall kb
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log.time" |
         awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time")
  echo "${wall:-0} ${kb:-0}"
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

rows=()
notes=()
unclassified_all=()
echo "concheck analyzer corpus: $("$CONCHECK" --version), -j $JOBS on $(nproc) cores, $BENCH_REPS run(s) per tool"
for name in "${selected[@]}"; do
  echo "== $name" >&2
  src=$(fetch "$name") || { status=2; rows+=("$(printf '%-13s %s' "$name" "FETCH FAILED (see $CORPUS_DIR/$name/fetch.log)")"); continue; }
  db=$CORPUS_DIR/$name/build
  if [[ ! -s $db/compile_commands.json ]]; then
    echo "corpus: $name: preparing the compile database (log: $CORPUS_DIR/$name/prepare.log)" >&2
    if ! prepare "$name" "$src" >"$CORPUS_DIR/$name/prepare.log" 2>&1 || [[ ! -s $db/compile_commands.json ]]; then
      echo "corpus: $name: preparing the compile database failed; see $CORPUS_DIR/$name/prepare.log" >&2
      rm -f "$db/compile_commands.json"
      status=2; rows+=("$(printf '%-13s %s' "$name" "PREPARE FAILED (see $CORPUS_DIR/$name/prepare.log)")"); continue
    fi
  fi
  python3 "$TOOL" files "$db" >"$RUN/$name.files"
  tus=$(wc -l <"$RUN/$name.files")
  lines=$(python3 "$TOOL" lines "$db" "$src")
  c_times=(); t_times=(); c_kb=0; t_kb=0
  for ((r = 0; r < BENCH_REPS; r++)); do
    # shellcheck disable=SC2086
    read -r s kb < <(run_timed "$RUN/$name.concheck.$r" "$CONCHECK" analyze -p "$db" -j "$JOBS" --no-progress \
      --format json ${CONCHECK_ARGS:-})
    rc=$(awk -F': ' '/Exit status/ {print $2}' "$RUN/$name.concheck.$r.time")
    if [[ ${rc:-2} -gt 1 && $r == 0 ]]; then
      failed=$(grep -c 'error: cannot analyze' "$RUN/$name.concheck.$r.err")
      notes+=("$name: concheck exited with status ${rc:-?}: $failed file(s) it could not analyze (not counted above), e.g."
              "    $(grep -m1 'error: cannot analyze' "$RUN/$name.concheck.$r.err" | sed "s|$src/||g" | cut -c1-200)")
    fi
    c_times+=("$s"); (( kb > c_kb )) && c_kb=$kb
    echo "   concheck   run $r: ${s} s, peak ${kb} KB" >&2
    if [[ $TIDY != 0 ]]; then
      read -r s kb < <(run_timed "$RUN/$name.tidy.$r" xargs -a "$RUN/$name.files" -P "$JOBS" -n 1 \
        "$CLANG_TIDY" -p "$db" --quiet "--checks=$TIDY_CHECK")
      t_times+=("$s"); (( kb > t_kb )) && t_kb=$kb
      echo "   clang-tidy run $r: ${s} s, peak ${kb} KB per process" >&2
    fi
  done
  ct=$(printf '%s\n' "${c_times[@]}" | median)
  tt=$( ((${#t_times[@]})) && printf '%s\n' "${t_times[@]}" | median || echo 0)
  python3 "$TOOL" compare "$name" "$src" "$RUN/$name.concheck.0.out" "$VERDICTS" >"$RUN/$name.compare"
  read -r _ n tr de fa un per_rule < <(grep '^SUMMARY ' "$RUN/$name.compare")
  grep -v '^SUMMARY ' "$RUN/$name.compare" | grep -v $'\t' >&2
  while IFS= read -r l; do unclassified_all+=("$l"); done < <(grep $'\t' "$RUN/$name.compare")
  rows+=("$(awk -v name="$name" -v tus="$tus" -v lines="$lines" -v n="$n" -v tr="$tr" -v de="$de" -v fa="$fa" -v un="$un" \
    -v ct="$ct" -v tt="$tt" -v kb="$c_kb" -v rules="$per_rule" -v goal="$GOAL_SHARE" 'BEGIN {
      share = (n > 0) ? 100 * (tr + de) / n : 100
      ratio = (tt > 0) ? sprintf("%.2f", ct / tt) : "-"
      printf "%-13s %4d %7d %5d %6.2f %4d %4d %4d %4d %5.0f%% %4s %9.1f %8.1f %6s %8.0f  %s\n", name, tus, lines, n, 5000 * n / lines,
        tr, de, fa, un, share, (share >= goal && un == 0) ? "ok" : "MISS", ct, tt, ratio, kb / 1024, rules }')")
  echo "$name $lines $n $ct $tt" >>"$RUN/totals"
done

echo
printf "%-13s %4s %7s %5s %6s %4s %4s %4s %4s %6s %4s %9s %8s %6s %8s  %s\n" project TUs lines finds per5k true delib fals uncl share goal concheck_s tidy_s ratio peak_MB per_rule
printf '%s\n' "${rows[@]}"
if [[ -s $RUN/totals ]]; then
  awk -v goal5k="$GOAL_PER_5K" -v goalr="$GOAL_RATIO" -v tidy="$TIDY" '{ l += $2; n += $3; c += $4; t += $5 }
    END {
      per5k = 5000 * n / l
      printf "\noverall: %d findings in %d lines: %.2f per 5,000 lines (goal <= %s: %s)", n, l, per5k, goal5k, (per5k <= goal5k) ? "met" : "MISSED"
      if (tidy != 0 && t > 0) printf "; time %.1f s vs clang-tidy %.1f s: ratio %.2f (goal <= %s: %s)", c, t, c / t, goalr, (c / t <= goalr) ? "met" : "MISSED"
      printf "\n" }' "$RUN/totals"
fi
if ((${#notes[@]})); then
  echo
  printf '%s\n' "${notes[@]}"
  echo
fi
echo "goals: >= ${GOAL_SHARE}% of findings true or deliberate on every project (unclassified count against it),"
echo "       <= ${GOAL_PER_5K} finding per 5,000 lines overall, concheck time <= ${GOAL_RATIO}x clang-tidy's ($TIDY_CHECK)"
if ((${#unclassified_all[@]})); then
  echo
  echo "unclassified findings, in $(basename "$VERDICTS")'s format (replace the two '?' columns: verdict true/deliberate/false, cause tag):"
  printf '%s\n' "${unclassified_all[@]}"
fi
exit $status
