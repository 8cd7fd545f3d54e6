#!/usr/bin/env bash
# Packaging tests of concheck_instrument() (cmake/ConcheckHelpers.cmake) and
# of concheck.pc's instrument_cflags (docs/race.md):
#   run_instrument_consumer.sh configure SOURCE_DIR WORK_DIR
#       ConcheckHelpers.cmake alone (no install, no hooks needed): the consumer
#       configures; -fsanitize=thread is on the instrumented target's C and C++
#       compile lines only, never on a link line; its object calls __tsan_*;
#       every way of linking libtsan by mistake fails the configure, explained.
#   run_instrument_consumer.sh install BUILD_DIR SOURCE_DIR WORK_DIR
#       cmake --install, then the consumer through find_package() and a program
#       built by hand from concheck.pc: both build, every __tsan_* symbol they
#       need is defined by the installed libconcheck.so, no libtsan is linked,
#       and they run (reporting the consumer's data race unless
#       CONCHECK_PACKAGING_EXPECT_REPORT=0). Needs the runtime's __tsan_* hooks.
#       The same for the static runtime: racy_static (concheck_instrument(...
#       STATIC)) and a program linked by hand with concheck.pc's static_libs
#       define every hook themselves, need no libconcheck.so, and report.
#       And with instrumented shared libraries: racy_static_libs links
#       racy_lib and dlopen()s racy_plugin (concheck_instrument(... STATIC):
#       no runtime of their own), by CMake and by hand from static_libs; the
#       executable exports the hooks they call, and each library's race is
#       reported in its own function.
#   In both modes, a program that would link both runtimes is refused at
#   configure time, explained.
set -euo pipefail
mode=$1
fail() { echo "FAIL: $*"; exit 1; }
generator=(-G "Unix Makefiles")

# The __tsan_* symbols OBJECT leaves undefined (at least one expected).
undefined_tsan() { nm -u "$1" | awk '{print $NF}' | grep '^__tsan_' | sort -u; }

check_link_lines() {  # check_link_lines BUILD: no link line of the project has -fsanitize=thread
  local build=$1 link
  for link in "$build"/CMakeFiles/*.dir/link.txt; do
    [[ -e "$link" ]] || continue
    if grep -q -- '-fsanitize=thread\|-ltsan' "$link"; then fail "a link line has -fsanitize=thread: $link: $(cat "$link")"; fi
  done
}

# check_mixing_refused CONSUMER WORK CMAKE_ARGS...: racy_static (STATIC) that
# also gets concheck::runtime, directly or through a shared library, fails
# the configure, saying why.
check_mixing_refused() {
  local consumer=$1 work=$2 how status said
  shift 2
  for how in direct shared_library; do
    status=0
    cmake "${generator[@]}" -S "$consumer" -B "$work/mix_$how" "$@" -DCONSUMER_MIX_RUNTIMES=$how \
          > "$work/mix_$how.log" 2>&1 || status=$?
    [[ $status != 0 ]] || fail "linking both runtimes ($how) was not refused: $(cat "$work/mix_$how.log")"
    said=$(tr -s ' \n' '  ' < "$work/mix_$how.log")
    grep -qF "concheck_instrument(racy_static): the program would hold two copies of concheck's runtime" <<<"$said" \
      && grep -qF "link one runtime only" <<<"$said" \
      || { cat "$work/mix_$how.log"; fail "linking both runtimes ($how): the configure error does not explain"; }
  done
}

case $mode in
  configure)
    src_dir=$2 work=$3
    rm -rf "$work" && mkdir -p "$work"
    consumer=$src_dir/tests/packaging/instrument_consumer
    helpers=$src_dir/cmake/ConcheckHelpers.cmake
    cmake "${generator[@]}" -S "$consumer" -B "$work/good" -DCONCHECK_HELPERS="$helpers" \
          -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > "$work/good.log" 2>&1 || { cat "$work/good.log"; fail "the consumer did not configure"; }
    commands=$work/good/compile_commands.json
    for source in racy.cpp racy_c.c; do
      grep -F "$source" "$commands" | grep -q -- '-fsanitize=thread' \
        || fail "$source (instrumented target) is compiled without -fsanitize=thread: $(cat "$commands")"
    done
    grep -F "racy_static.dir/racy.cpp" "$commands" | grep -q -- '-fsanitize=thread' \
      || fail "racy.cpp (racy_static, instrumented STATIC) is compiled without -fsanitize=thread: $(cat "$commands")"
    ! grep -F plain_part.cpp "$commands" | grep -q -- '-fsanitize' \
      || fail "plain_part.cpp (not instrumented) is compiled with -fsanitize=thread"
    check_link_lines "$work/good"
    # The objects: instrumented calls __tsan_*, plain does not.
    make -C "$work/good" -s racy.cpp.o racy_c.c.o > "$work/objects.log" 2>&1 \
      || { cat "$work/objects.log"; fail "the objects did not build"; }
    for object in racy.cpp.o racy_c.c.o; do
      [[ -n "$(undefined_tsan "$work/good/CMakeFiles/racy.dir/$object")" ]] || fail "$object calls no __tsan_* hook"
    done
    make -C "$work/good" -s plain_part > "$work/plain.log" 2>&1 || { cat "$work/plain.log"; fail "plain_part did not build"; }
    [[ -z "$(nm -A "$work"/good/CMakeFiles/plain_part.dir/*.o | grep __tsan_ || true)" ]] || fail "plain_part calls __tsan_*"
    # Every way of linking libtsan by mistake is refused, and says why.
    bad=(link_options after link_library interface "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread"
         "-DCMAKE_CXX_FLAGS=-O1 -fsanitize=thread" "-DCMAKE_EXE_LINKER_FLAGS=-ltsan")
    i=0
    for how in "${bad[@]}"; do
      i=$((i + 1))
      arg=$how
      [[ $how == -D* ]] || arg=-DCONSUMER_LINK_TSAN=$how
      status=0
      cmake "${generator[@]}" -S "$consumer" -B "$work/bad$i" -DCONCHECK_HELPERS="$helpers" "$arg" > "$work/bad$i.log" 2>&1 || status=$?
      [[ $status != 0 ]] || fail "linking libtsan ($how) was not refused: $(cat "$work/bad$i.log")"
      # CMake wraps the message: compare it as one line.
      said=$(tr -s ' \n' '  ' < "$work/bad$i.log")
      grep -qF "concheck_instrument(racy): the link step would bring ThreadSanitizer's runtime" <<<"$said" \
        && grep -qF "linking libtsan would replace concheck's hooks; use compile-only instrumentation" <<<"$said" \
        || { cat "$work/bad$i.log"; fail "linking libtsan ($how): the configure error does not explain"; }
    done
    check_mixing_refused "$consumer" "$work" -DCONCHECK_HELPERS="$helpers"
    ;;
  install)
    build_dir=$2 src_dir=$3 work=$4
    rm -rf "$work" && mkdir -p "$work"
    cxx=$(grep -E '^CMAKE_CXX_COMPILER:' "$build_dir/CMakeCache.txt" | cut -d= -f2)
    cc=$(grep -E '^CMAKE_C_COMPILER:' "$build_dir/CMakeCache.txt" | cut -d= -f2)
    prefix=$work/prefix
    cmake --install "$build_dir" --prefix "$prefix" > "$work/install.log"
    library=$prefix/lib/libconcheck.so
    [[ -e $library ]] || fail "$library not installed"
    defined=$(nm -D --defined-only "$library" | awk '{print $NF}' | grep '^__tsan_' | sort -u || true)
    check_resolved() {  # check_resolved PROGRAM: needs __tsan_*, all defined by libconcheck, no libtsan
      local program=$1 needed missing
      needed=$(nm -D --undefined-only "$program" | awk '{print $NF}' | grep '^__tsan_' | sort -u || true)
      [[ -n "$needed" ]] || fail "$program calls no __tsan_* hook (not instrumented?)"
      missing=$(comm -23 <(echo "$needed") <(echo "$defined"))
      [[ -z "$missing" ]] || fail "$program needs __tsan_* hooks libconcheck.so does not define: $missing"
      if readelf -d "$program" | grep NEEDED | grep -q 'tsan'; then fail "$program links libtsan: $(readelf -d "$program" | grep NEEDED)"; fi
      readelf -d "$program" | grep NEEDED | grep -q 'libconcheck\.so' || fail "$program does not link libconcheck.so"
    }
    check_run() {  # check_run PROGRAM LOG
      local program=$1 log=$2
      env -u CONCHECK_OPTIONS "$program" > "$log" 2>&1 || { cat "$log"; fail "$program exited with status $?"; }
      grep -q "consumer ran, instrumented with concheck" "$log" || { cat "$log"; fail "$program did not run to the end"; }
      if [[ "${CONCHECK_PACKAGING_EXPECT_REPORT:-1}" == 1 ]]; then
        grep -q "data-race" "$log" || { cat "$log"; fail "$program: no data-race reported"; }
      fi
      if grep -q "ThreadSanitizer" "$log"; then cat "$log"; fail "$program: ThreadSanitizer is in the process"; fi
    }
    # find_package + concheck_instrument
    cmake "${generator[@]}" -S "$src_dir/tests/packaging/instrument_consumer" -B "$work/build" \
          -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" \
          > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "the consumer did not configure"; }
    cmake --build "$work/build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; fail "the consumer did not build"; }
    check_link_lines "$work/build"
    check_resolved "$work/build/racy"
    check_run "$work/build/racy" "$work/racy.log"
    # The static runtime: every hook in the executable, no libconcheck.so.
    exported_api() { nm -D --defined-only "$1" | awk '{print $NF}' | grep -E '^(__tsan_|_ZN8concheck|concheck_)' | sort -u; }
    check_static() {  # check_static PROGRAM
      local program=$1 missing
      [[ -n "$(nm --defined-only "$program" | awk '$NF ~ /^__tsan_write8$/')" ]] \
        || fail "$program does not define the __tsan_* hooks (static runtime not linked?)"
      missing=$(nm -u "$program" | awk '{print $NF}' | grep '^__tsan_' || true)
      [[ -z "$missing" ]] || fail "$program leaves __tsan_* hooks undefined: $missing"
      if readelf -d "$program" | grep NEEDED | grep -q 'libconcheck\|tsan'; then
        fail "$program links a shared runtime: $(readelf -d "$program" | grep NEEDED)"
      fi
      # It exports the hooks and concheck's API as libconcheck.so does (the
      # dynamic list), none of the runtime's internals.
      [[ "$(exported_api "$program")" == "$(exported_api "$library")" ]] \
        || fail "$program does not export what libconcheck.so does: $(diff <(exported_api "$program") <(exported_api "$library") | head -20)"
    }
    check_static "$work/build/racy_static"
    check_run "$work/build/racy_static" "$work/racy_static.log"
    # The static runtime with instrumented shared libraries, one linked, one dlopen()ed.
    check_no_runtime() {  # check_no_runtime LIBRARY: instrumented, holds no runtime, links none
      local library=$1
      [[ -n "$(nm -D --undefined-only "$library" | awk '$NF ~ /^__tsan_/')" ]] || fail "$library calls no __tsan_* hook"
      [[ -z "$(nm -D --defined-only "$library" | awk '$NF ~ /^__tsan_/')" ]] || fail "$library holds a copy of the runtime"
      if readelf -d "$library" | grep NEEDED | grep -q 'libconcheck\|tsan'; then
        fail "$library links a runtime: $(readelf -d "$library" | grep NEEDED)"
      fi
    }
    check_libraries_run() {  # check_libraries_run PROGRAM PLUGIN LOG
      local program=$1 plugin=$2 log=$3 status=0 function
      env -u CONCHECK_OPTIONS "$program" "$plugin" > "$log" 2>&1 || status=$?
      [[ $status == 0 ]] || { cat "$log"; fail "$program exited with status $status"; }
      grep -q "consumer ran, instrumented with concheck" "$log" || { cat "$log"; fail "$program did not run to the end"; }
      # The sites are the libraries' functions (file:line too where built with -g).
      for function in lib_part_race plugin_part_race; do
        grep -q "^SUMMARY: concheck: data-race .*$function" "$log" \
          || { cat "$log"; fail "$program: no data-race reported in $function"; }
      done
    }
    check_static "$work/build/racy_static_libs"
    check_no_runtime "$work/build/libracy_lib.so"
    check_no_runtime "$work/build/libracy_plugin.so"
    check_libraries_run "$work/build/racy_static_libs" "$work/build/libracy_plugin.so" "$work/racy_static_libs.log"
    check_mixing_refused "$src_dir/tests/packaging/instrument_consumer" "$work" -DCMAKE_PREFIX_PATH="$prefix"
    # The installed package refuses libtsan too.
    status=0
    cmake "${generator[@]}" -S "$src_dir/tests/packaging/instrument_consumer" -B "$work/bad" \
          -DCMAKE_PREFIX_PATH="$prefix" -DCONSUMER_LINK_TSAN=link_options > "$work/bad.log" 2>&1 || status=$?
    [[ $status != 0 ]] && tr -s ' \n' '  ' < "$work/bad.log" | grep -qF "use compile-only instrumentation" \
      || { cat "$work/bad.log"; fail "the installed concheck_instrument() let libtsan be linked"; }
    # pkg-config: instrument_cflags on the compile lines, Libs on the link line
    export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
    instrument=$(pkg-config --variable=instrument_cflags concheck)
    [[ $instrument == "-fsanitize=thread" ]] || fail "concheck.pc: instrument_cflags is '$instrument'"
    cflags=$(pkg-config --cflags concheck) libs=$(pkg-config --libs concheck)
    consumer=$src_dir/tests/packaging/instrument_consumer
    # shellcheck disable=SC2086
    {
      "$cxx" $instrument $cflags -c "$consumer/racy.cpp" -o "$work/racy_pc.o"
      "$cc" $instrument -c "$consumer/racy_c.c" -o "$work/racy_c_pc.o"
      "$cxx" -std=c++20 -c "$consumer/plain_part.cpp" -o "$work/plain_pc.o"
      "$cxx" "$work/racy_pc.o" "$work/racy_c_pc.o" "$work/plain_pc.o" -o "$work/racy_pc" $libs
    } > "$work/pc_build.log" 2>&1 || { cat "$work/pc_build.log"; fail "the pkg-config build failed"; }
    [[ -n "$(undefined_tsan "$work/racy_pc.o")" ]] || fail "racy_pc.o calls no __tsan_* hook"
    check_resolved "$work/racy_pc"
    (unset LD_LIBRARY_PATH; check_run "$work/racy_pc" "$work/racy_pc.log")
    # pkg-config, the static runtime: static_libs instead of Libs
    static_libs=$(pkg-config --variable=static_libs concheck)
    # shellcheck disable=SC2086
    "$cxx" "$work/racy_pc.o" "$work/racy_c_pc.o" "$work/plain_pc.o" -o "$work/racy_pc_static" $static_libs \
      > "$work/pc_static_build.log" 2>&1 || { cat "$work/pc_static_build.log"; fail "the pkg-config static build failed"; }
    check_static "$work/racy_pc_static"
    (unset LD_LIBRARY_PATH; check_run "$work/racy_pc_static" "$work/racy_pc_static.log")
    # pkg-config, the static runtime with instrumented shared libraries: the
    # libraries compiled with instrument_cflags and linked with no runtime.
    # shellcheck disable=SC2086
    {
      "$cxx" $instrument $cflags -fPIC -c "$consumer/lib_part.cpp" -o "$work/lib_part_pc.o"
      "$cxx" -shared "$work/lib_part_pc.o" -o "$work/libracy_lib_pc.so"
      "$cxx" $instrument $cflags -fPIC -c "$consumer/plugin_part.cpp" -o "$work/plugin_part_pc.o"
      "$cxx" -shared "$work/plugin_part_pc.o" -o "$work/racy_plugin_pc.so"
      "$cxx" $instrument $cflags -c "$consumer/libs_main.cpp" -o "$work/libs_main_pc.o"
      "$cxx" "$work/libs_main_pc.o" -o "$work/racy_libs_pc_static" -L"$work" -lracy_lib_pc -Wl,-rpath,"$work" $static_libs
    } > "$work/pc_libs_build.log" 2>&1 || { cat "$work/pc_libs_build.log"; fail "the pkg-config build with libraries failed"; }
    check_static "$work/racy_libs_pc_static"
    check_no_runtime "$work/libracy_lib_pc.so"
    check_no_runtime "$work/racy_plugin_pc.so"
    (unset LD_LIBRARY_PATH; check_libraries_run "$work/racy_libs_pc_static" "$work/racy_plugin_pc.so" "$work/racy_libs_pc_static.log")
    ;;
  *) echo "usage: $0 configure SOURCE_DIR WORK_DIR | install BUILD_DIR SOURCE_DIR WORK_DIR" >&2; exit 2 ;;
esac
echo "packaging instrument ($mode): ok"
