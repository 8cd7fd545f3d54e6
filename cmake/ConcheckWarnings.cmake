# concheck_project_code(target): C++20, warnings on (errors with CONCHECK_WERROR),
# ASan+UBSan with CONCHECK_SANITIZE, and for libraries a unity build with
# CONCHECK_UNITY_BUILD. Applied to concheck's own targets only, never propagated
# to users' code.
add_library(concheck_project_options INTERFACE)
target_compile_features(concheck_project_options INTERFACE cxx_std_20)
target_compile_options(concheck_project_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${CONCHECK_WERROR}>:-Werror>)
if(CONCHECK_SANITIZE)
  target_compile_options(concheck_project_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
    # g++ 12 under ASan reports maybe-uninitialized inside libstdc++'s own
    # std::function/std::regex code: false positives we cannot fix.
    -Wno-maybe-uninitialized)
  target_link_options(concheck_project_options INTERFACE -fsanitize=address,undefined)
  # The sanitizer build also checks the order of concheck's own locks
  # (detector/include/concheck/detector/internal_lock.hpp), as debug builds do.
  target_compile_definitions(concheck_project_options INTERFACE CONCHECK_CHECK_LOCK_ORDER=1)
endif()

# A unity build compiles up to 8 files of a library in one translation unit, so
# the headers (fmt, nlohmann/json, the standard library) are parsed, and the
# templates they share instantiated, once per batch instead of once per file.
# A file that must not share a unit is marked SKIP_UNITY_BUILD_INCLUSION next
# to its library, saying why. Test executables get theirs in concheck_add_gtest;
# programs of one file have nothing to batch.
function(concheck_unity_build target)
  if(CONCHECK_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE BATCH UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()

function(concheck_project_code target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:concheck_project_options>)
  get_target_property(_type ${target} TYPE)
  if(_type MATCHES "^(STATIC|SHARED|OBJECT|MODULE)_LIBRARY$")
    concheck_unity_build(${target})
  endif()
endfunction()
