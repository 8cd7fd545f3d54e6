# Helpers for concheck's own test suite.
#
# concheck_add_gtest(NAME SOURCES... [LIBS ...] [TIMEOUT s] [ENV ...])
#   An executable of GoogleTest suites, discovered into CTest with a timeout on
#   every test so a hang fails in minutes instead of eating CI's time.
#   The test files themselves are compiled without optimization (-O0, still
#   with -g): the code they test (runtime, detector, analyzer, samples) keeps
#   the build type's flags, and GoogleTest's macros at -O2 were 40% of the
#   cost of compiling a test file, a third of a clean build.
#   They are also compiled as a unity build (option CONCHECK_UNITY_BUILD): up
#   to 8 test files of one executable in one translation unit, so GoogleTest's
#   and the standard library's headers are parsed, and the templates every
#   test file instantiates (EXPECT_EQ on strings, gmock matchers) compiled,
#   once per batch instead of once per file (docs/building.md has the
#   figures). A file that must not share a unit (it defines a macro before
#   its includes, a name another file of the executable defines differently,
#   or a file-scope using-directive that would reach the files after it) is
#   marked SKIP_UNITY_BUILD_INCLUSION next to its executable, saying why.
set(CONCHECK_TEST_TIMEOUT 240 CACHE STRING "Default timeout (s) of each concheck test")
option(CONCHECK_TEST_O0 "Compile the test files with -O0 (the tested code keeps its flags)" ON)
# Tests per CTest test (cmake/ConcheckTestBatches.cmake): 1, one process per
# test, or up to N tests of one suite per process (the sanitizer preset's 8).
set(CONCHECK_TEST_BATCH 1 CACHE STRING "GoogleTest tests of one suite run per CTest test (1: each alone)")
if(NOT CONCHECK_TEST_BATCH MATCHES "^[1-9][0-9]*$")
  message(FATAL_ERROR "CONCHECK_TEST_BATCH must be a positive number of tests, not '${CONCHECK_TEST_BATCH}'")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/ConcheckTestBatches.cmake)

function(concheck_add_gtest name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;ENV" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT ${CONCHECK_TEST_TIMEOUT})
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  concheck_project_code(${name})
  if(CONCHECK_TEST_O0)
    target_compile_options(${name} PRIVATE -O0)  # after the build type's -O2: the last -O wins
  endif()
  # In the sanitizer build the test files keep ASan (a test that reads memory
  # the tested code freed is caught) but not UBSan, which the code under test
  # keeps: UBSan's checks in GoogleTest's templates were a fifth of a test
  # file's compile CPU there (docs/building.md, "What CI's time goes to").
  if(CONCHECK_SANITIZE)
    target_compile_options(${name} PRIVATE -fno-sanitize=undefined)
  endif()
  concheck_unity_build(${name})
  if(CONCHECK_TEST_BATCH GREATER 1)
    concheck_discover_test_batches(${name} BATCH ${CONCHECK_TEST_BATCH} TIMEOUT ${ARG_TIMEOUT} ENV ${ARG_ENV})
  else()
    gtest_discover_tests(${name}
      DISCOVERY_TIMEOUT 60
      # Names end at the parameter's name or index: the printed value (a
      # struct's bytes: two pointers) changed from build to build.
      NO_PRETTY_VALUES
      PROPERTIES TIMEOUT ${ARG_TIMEOUT} ENVIRONMENT "${ARG_ENV}")
  endif()
endfunction()
include(${PROJECT_SOURCE_DIR}/cmake/ConcheckHelpers.cmake)
