#!/usr/bin/env bash
# Packaging tests: builds a consumer project against concheck and runs it.
#   run_consumer.sh install  BUILD_DIR SOURCE_DIR WORK_DIR   (cmake --install, then a consumer of each
#                                                             installed target through find_package, and pkg-config)
#   run_consumer.sh subdir   BUILD_DIR SOURCE_DIR WORK_DIR   (add_subdirectory)
set -euo pipefail
mode=$1 build_dir=$2 src_dir=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
cxx=$(grep -E '^CMAKE_CXX_COMPILER:' "$build_dir/CMakeCache.txt" | cut -d= -f2)
# The build's compiler launcher (ccache), if it has one: the add_subdirectory
# consumer compiles concheck's runtime again, which is most of this test's time.
launcher=$(grep -E '^CMAKE_CXX_COMPILER_LAUNCHER:' "$build_dir/CMakeCache.txt" | cut -d= -f2 || true)
launcher_args=()
[[ -n "$launcher" ]] && launcher_args=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" -DCMAKE_C_COMPILER_LAUNCHER="$launcher")

run_program() {  # run_program LOG [ENV=value...] PROGRAM: must exit with status 0
  local log=$1; shift
  env "$@" > "$log" 2>&1 || { echo "FAIL: '$*' exited with status $?"; cat "$log"; exit 1; }
}

expect_inversion() {  # the consumer's run must get to the end and report its AB/BA inversion
  local out=$1 last_line=${2:-consumer linked concheck}
  grep -q "$last_line" "$out" || { echo "FAIL: consumer did not run to the end ($out)"; cat "$out"; exit 1; }
  if [[ "${CONCHECK_PACKAGING_EXPECT_REPORT:-1}" == 1 ]]; then
    grep -q "lock-order-inversion" "$out" || { echo "FAIL: no lock-order-inversion reported ($out)"; cat "$out"; exit 1; }
  fi
}

case $mode in
  install)
    prefix=$work/prefix
    cmake --install "$build_dir" --prefix "$prefix" > "$work/install.log"
    for f in bin/concheck include/concheck/version.hpp lib/cmake/concheck/concheckConfig.cmake \
             lib/cmake/concheck/concheckConfigVersion.cmake lib/pkgconfig/concheck.pc; do
      [[ -e "$prefix/$f" ]] || { echo "FAIL: $f not installed"; exit 1; }
    done
    cmake -S "$src_dir/tests/packaging/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" \
          -DCMAKE_CXX_COMPILER="$cxx" "${launcher_args[@]}" > "$work/configure.log" 2>&1 \
      || { cat "$work/configure.log"; exit 1; }
    cmake --build "$work/build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
    # concheck::runtime, concheck::runtime_static
    for program in consumer consumer_static; do
      run_program "$work/$program.log" "$work/build/$program"
      expect_inversion "$work/$program.log"
    done
    # concheck::preload: a program linked with nothing of concheck, preloaded
    run_program "$work/consumer_plain.log" LD_PRELOAD="$(cat "$work/build/preload_library.txt")" \
      "$work/build/consumer_plain"
    expect_inversion "$work/consumer_plain.log" "consumer ran, linked with nothing of concheck"
    # concheck::gtest: the inversion fails its own test, the clean test passes
    status=0
    "$work/build/consumer_gtest" > "$work/consumer_gtest.log" 2>&1 || status=$?
    if [[ $status == 0 ]] || ! grep -q "^\[  FAILED  \] consumer.inversion" "$work/consumer_gtest.log" \
         || ! grep -q "^\[       OK \] consumer.clean" "$work/consumer_gtest.log" \
         || ! grep -q "lock-order-inversion" "$work/consumer_gtest.log"; then
      echo "FAIL: concheck::gtest consumer: expected consumer.inversion to fail with a lock-order-inversion"
      echo "and consumer.clean to pass (exit status $status)"
      cat "$work/consumer_gtest.log"
      exit 1
    fi
    # pkg-config: the same program built by hand from the .pc file, run with
    # nothing else set (the .pc file's rpath finds libconcheck.so.0)
    flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs concheck)
    # shellcheck disable=SC2086
    "$cxx" "$src_dir/tests/packaging/consumer/main.cpp" -o "$work/consumer_pc" $flags
    run_program "$work/consumer_pc.log" -u LD_LIBRARY_PATH "$work/consumer_pc"
    expect_inversion "$work/consumer_pc.log"
    # the installed tool runs
    "$prefix/bin/concheck" --version | grep -q concheck
    ;;
  subdir)
    # Compiling concheck's runtime and detector again is nearly all of this
    # test's time (the longest of the suite): -O0 and the unity build (the
    # default, said here so the test stays short) keep it so (docs/building.md).
    cmake -S "$src_dir/tests/packaging/subdir_consumer" -B "$work/build" -DCONCHECK_SOURCE_DIR="$src_dir" \
          -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS=-O0 -DCONCHECK_UNITY_BUILD=ON \
          "${launcher_args[@]}" \
          > "$work/configure.log" 2>&1 \
      || { cat "$work/configure.log"; exit 1; }
    cmake --build "$work/build" -j 2 --target consumer consumer_static > "$work/build.log" 2>&1 \
      || { cat "$work/build.log"; exit 1; }
    for program in consumer consumer_static; do
      run_program "$work/$program.log" "$work/build/$program"
      expect_inversion "$work/$program.log"
    done
    # An up-to-date tree, configured again (as `make build` does every
    # time), links nothing again: neither the archive nor its programs.
    cmake "$work/build" > "$work/reconfigure.log" 2>&1 || { cat "$work/reconfigure.log"; exit 1; }
    cmake --build "$work/build" -j 2 --target consumer consumer_static > "$work/rebuild.log" 2>&1 \
      || { cat "$work/rebuild.log"; exit 1; }
    if grep -E "Linking|Building" "$work/rebuild.log"; then
      echo "FAIL: configuring an up-to-date build again made it build or link again (above)"
      exit 1
    fi
    ;;
  *) echo "usage: $0 install|subdir BUILD_DIR SOURCE_DIR WORK_DIR" >&2; exit 2 ;;
esac
echo "packaging ($mode): ok"
