# concheck_discover_test_batches(TARGET BATCH n TIMEOUT s [ENV var=value...])
#
# Like gtest_discover_tests(), but each CTest test runs up to n tests of one
# GoogleTest suite in one process (--gtest_filter=Suite.A:Suite.B:...), named
# after its first test ("Suite.A +3" for four). Starting a test process costs
# 0.1-0.25 s of CPU under ASan (the analyzer's tests load libclang), which over
# ~850 tests was a tenth of the sanitizer run's CPU (docs/building.md, "What
# CI's time goes to"). The sanitizer preset batches (CONCHECK_TEST_BATCH=8);
# the default build keeps one process per test, so `ctest -R Test` finds any
# single test.
#
# The tests are listed after each build of TARGET (--gtest_list_tests), as
# gtest_discover_tests does by default. A batch's timeout is TIMEOUT times the
# number of its tests, at most 3 x TIMEOUT. A GTEST_SKIP inside a batch passes
# (a batch can hold passing and failing tests, so CTest's "skipped" status would
# hide a failure).
set(_CONCHECK_TEST_BATCHES_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/concheck_test_batches.cmake)

function(concheck_discover_test_batches target)
  cmake_parse_arguments(ARG "" "BATCH;TIMEOUT" "ENV" ${ARGN})
  set(_tests_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_batches.cmake")
  set(_include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_batches_include.cmake")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND}
            "-DTEST_EXECUTABLE=$<TARGET_FILE:${target}>"
            "-DTEST_WORKING_DIR=${CMAKE_CURRENT_BINARY_DIR}"
            "-DTEST_BATCH=${ARG_BATCH}"
            "-DTEST_TIMEOUT=${ARG_TIMEOUT}"
            "-DTEST_OUTPUT=${_tests_file}"
            -P ${_CONCHECK_TEST_BATCHES_SCRIPT}
    BYPRODUCTS ${_tests_file}
    VERBATIM)
  # The environment goes through the include file (read by CTest), not the
  # command line of the listing step.
  file(WRITE ${_include_file}
    "set(_concheck_batch_environment [==[${ARG_ENV}]==])\n"
    "if(EXISTS \"${_tests_file}\")\n"
    "  include(\"${_tests_file}\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${_include_file})
endfunction()
