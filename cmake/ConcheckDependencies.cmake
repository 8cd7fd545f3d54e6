# Finds concheck's dependencies (Debian packages) and stops early, naming the
# package to install, when one is missing. `make deps` (scripts/install-deps.sh)
# installs them all.
set(_concheck_fix "run `make deps` (or scripts/install-deps.sh as root) to install it")

find_package(Threads REQUIRED)

find_package(fmt 9 QUIET)
if(NOT fmt_FOUND)
  message(FATAL_ERROR "concheck: fmt 9 not found (Debian package libfmt-dev): ${_concheck_fix}")
endif()

find_package(nlohmann_json 3 QUIET)
if(NOT nlohmann_json_FOUND)
  message(FATAL_ERROR "concheck: nlohmann_json not found (Debian package nlohmann-json3-dev): ${_concheck_fix}")
endif()

if(CONCHECK_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    message(FATAL_ERROR "concheck: GoogleTest not found (Debian packages libgtest-dev libgmock-dev): ${_concheck_fix}")
  endif()
endif()

if(CONCHECK_BUILD_BENCH)
  find_package(benchmark QUIET)
  if(NOT benchmark_FOUND)
    message(FATAL_ERROR "concheck: Google Benchmark not found (Debian package libbenchmark-dev): ${_concheck_fix}")
  endif()
endif()

if(CONCHECK_BUILD_ANALYZER)
  find_package(LibClang19)
  if(NOT LibClang19_FOUND)
    message(FATAL_ERROR "concheck: libclang 19 not found (Debian package libclang-19-dev): ${_concheck_fix}, "
                        "or configure with -DCONCHECK_BUILD_ANALYZER=OFF -DCONCHECK_BUILD_TESTS=OFF to build only the libraries")
  endif()
  if(NOT LIBCLANG19_BUILTIN_HEADERS)
    message(FATAL_ERROR "concheck: clang's builtin headers (stddef.h) not found next to libclang "
                        "(Debian package libclang-common-19-dev): ${_concheck_fix}")
  endif()
endif()

# gcc's libbacktrace (static, ships with g++ in libgcc-12-dev) symbolizes stacks
# in reports. Its headers sit in gcc's private include folder; we copy just the
# two we need into the build tree instead of adding that folder to the path.
execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libbacktrace.a
                OUTPUT_VARIABLE _bt_lib OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT EXISTS "${_bt_lib}")
  execute_process(COMMAND gcc -print-file-name=libbacktrace.a
                  OUTPUT_VARIABLE _bt_lib OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
if(EXISTS "${_bt_lib}")
  get_filename_component(_bt_dir "${_bt_lib}" DIRECTORY)
  if(EXISTS "${_bt_dir}/include/backtrace.h" AND EXISTS "${_bt_dir}/include/backtrace-supported.h")
    set(CONCHECK_BACKTRACE_INCLUDE "${PROJECT_BINARY_DIR}/third_party_headers/backtrace")
    file(COPY "${_bt_dir}/include/backtrace.h" "${_bt_dir}/include/backtrace-supported.h"
         DESTINATION "${CONCHECK_BACKTRACE_INCLUDE}")
    add_library(concheck_libbacktrace STATIC IMPORTED GLOBAL)
    set_target_properties(concheck_libbacktrace PROPERTIES
      IMPORTED_LOCATION "${_bt_lib}"
      INTERFACE_INCLUDE_DIRECTORIES "${CONCHECK_BACKTRACE_INCLUDE}")
    set(CONCHECK_HAVE_LIBBACKTRACE ON)
    # Its objects, for the static archive (runtime/CMakeLists.txt): extracted
    # afresh at every configure into a staging folder, then copied into a
    # folder of their own only where they differ. Extracting in place gave
    # every object a new time at each configure (`make build` configures
    # every time), so the archive and every program linked with it were
    # linked again on an up-to-date tree, even while tests ran them.
    set(_bt_objects_dir "${PROJECT_BINARY_DIR}/third_party_objects/libbacktrace")
    set(_bt_stage_dir "${PROJECT_BINARY_DIR}/third_party_objects/libbacktrace.stage")
    file(REMOVE_RECURSE "${_bt_stage_dir}")
    file(MAKE_DIRECTORY "${_bt_stage_dir}" "${_bt_objects_dir}")
    execute_process(COMMAND ${CMAKE_AR} x "${_bt_lib}" WORKING_DIRECTORY "${_bt_stage_dir}"
                    RESULT_VARIABLE _bt_extract ERROR_VARIABLE _bt_extract_error)
    file(GLOB _bt_staged RELATIVE "${_bt_stage_dir}" "${_bt_stage_dir}/*.o")
    file(GLOB _bt_kept RELATIVE "${_bt_objects_dir}" "${_bt_objects_dir}/*.o")
    foreach(_bt_object IN LISTS _bt_kept)
      if(NOT _bt_object IN_LIST _bt_staged)
        file(REMOVE "${_bt_objects_dir}/${_bt_object}")
      endif()
    endforeach()
    foreach(_bt_object IN LISTS _bt_staged)
      file(COPY_FILE "${_bt_stage_dir}/${_bt_object}" "${_bt_objects_dir}/${_bt_object}" ONLY_IF_DIFFERENT)
    endforeach()
    file(REMOVE_RECURSE "${_bt_stage_dir}")
    file(GLOB CONCHECK_LIBBACKTRACE_OBJECTS "${_bt_objects_dir}/*.o")
    if(NOT _bt_extract EQUAL 0 OR NOT CONCHECK_LIBBACKTRACE_OBJECTS)
      message(FATAL_ERROR "concheck: cannot extract the objects of ${_bt_lib} with ${CMAKE_AR}: ${_bt_extract_error}")
    endif()
  endif()
endif()
if(NOT CONCHECK_HAVE_LIBBACKTRACE)
  message(FATAL_ERROR "concheck: gcc's libbacktrace not found (Debian package libgcc-12-dev): ${_concheck_fix}")
endif()
