# Helpers for concheck's own test suite.
#
# concheck_add_gtest(NAME SOURCES... [LIBS ...] [TIMEOUT s] [ENV ...])
#   An executable of GoogleTest suites, discovered into CTest with a timeout on
#   every test so a hang fails in minutes instead of eating CI's time.
set(CONCHECK_TEST_TIMEOUT 240 CACHE STRING "Default timeout (s) of each concheck test")

function(concheck_add_gtest name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;ENV" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT ${CONCHECK_TEST_TIMEOUT})
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  concheck_project_code(${name})
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} ENVIRONMENT "${ARG_ENV}")
endfunction()
include(${PROJECT_SOURCE_DIR}/cmake/ConcheckHelpers.cmake)
