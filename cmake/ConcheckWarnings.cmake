# concheck_project_code(target): C++20, warnings on (errors with CONCHECK_WERROR),
# and ASan+UBSan with CONCHECK_SANITIZE. Applied to concheck's own targets only,
# never propagated to users' code.
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

function(concheck_project_code target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:concheck_project_options>)
endfunction()
