# concheck_discover_tests(TARGET [TIMEOUT seconds] [OPTIONS "key=value:..."] [extra gtest_discover_tests args])
#
# Like gtest_discover_tests(), plus: every discovered test gets a timeout (default
# 300 s, so a hang fails instead of blocking the suite) and CONCHECK_OPTIONS in
# its environment. Works from the installed package and from add_subdirectory.
include_guard(GLOBAL)
include(GoogleTest)
function(concheck_discover_tests target)
  cmake_parse_arguments(ARG "" "TIMEOUT;OPTIONS" "" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set(_env "")
  if(ARG_OPTIONS)
    set(_env ENVIRONMENT "CONCHECK_OPTIONS=${ARG_OPTIONS}")
  endif()
  gtest_discover_tests(${target} ${ARG_UNPARSED_ARGUMENTS}
    DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} ${_env})
endfunction()
