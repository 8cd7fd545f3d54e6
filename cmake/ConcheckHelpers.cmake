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
    # Names end at the parameter's name or index: the printed value (a
    # struct's bytes: two pointers) changed from build to build.
    NO_PRETTY_VALUES
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} ${_env})
endfunction()

# concheck_instrument(TARGET [STATIC])
#
# Race detection for TARGET's own sources (docs/race.md): adds -fsanitize=thread
# to the compile step of its C and C++ sources only, so the compiler inserts the
# __tsan_* calls at every access, and links concheck::runtime, which defines
# those hooks. Never adds the flag to the link step: linking ThreadSanitizer's
# runtime (libtsan) would replace concheck's hooks. TARGET's other sources
# (other languages) and other targets are unchanged; instrumented and plain
# code mix in one program.
#
# STATIC links concheck::runtime_static (libconcheck_static.a) instead: the
# runtime goes into the executable, and its hooks are called directly instead
# of through the PLT, with thread-locals at fixed offsets (faster on access-
# heavy code: docs/race.md, "Static or shared runtime"). The program must then
# get no other copy of the runtime: no shared library of it may link
# concheck::runtime (nor concheck::gtest, which does), and it must not be run
# under LD_PRELOAD of libconcheck_preload.so; the runtime stops such a process
# at start. Every instrumented target of one program takes the same choice.
# For a shared or module library, STATIC instruments its compile step only
# and links no runtime: its hooks and interposed functions are those of the
# executable that links or dlopen()s it, which exports them
# (concheck::runtime_static passes the executable's link a --dynamic-list).
# A copy of the archive inside a shared library would be a second runtime.
#
# Fails at configure time, naming where, when TARGET's link step would bring
# libtsan: -fsanitize=thread (or tsan / libtsan) in its link options, link
# libraries (and the interface link options and libraries of the targets it
# links), the directory's link options, CMAKE_<LANG>_FLAGS (CMake passes them
# to the linker too) or CMAKE_*_LINKER_FLAGS; and when it would link both
# concheck::runtime and concheck::runtime_static (directly, through the
# interfaces of the targets it links, or through the shared libraries of this
# project it links). Checked when called and again at the end of the top-level
# directory, so settings made after the call are seen.
function(concheck_instrument target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "STATIC" "" "")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "concheck_instrument(${target}): unknown argument(s) ${ARG_UNPARSED_ARGUMENTS} "
                        "(concheck_instrument(TARGET [STATIC]))")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "concheck_instrument(${target}): no such target")
  endif()
  get_target_property(_type ${target} TYPE)
  get_target_property(_imported ${target} IMPORTED)
  if(_imported OR _type STREQUAL "INTERFACE_LIBRARY" OR _type STREQUAL "UTILITY")
    message(FATAL_ERROR "concheck_instrument(${target}): a ${_type} target has no sources of its own to "
                        "instrument; instrument the targets that compile the code")
  endif()
  _concheck_check_no_libtsan(${target})
  # -fsanitize=thread is a compile flag here only: COMPILE_OPTIONS never reach
  # the link line (unlike CMAKE_CXX_FLAGS).
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=thread>)
  set(_runtime concheck::runtime)
  if(ARG_STATIC)
    set(_runtime concheck::runtime_static)
  endif()
  if(ARG_STATIC AND (_type STREQUAL "SHARED_LIBRARY" OR _type STREQUAL "MODULE_LIBRARY"))
    # The executable holds the runtime: nothing to link here.
  elseif(NOT _type STREQUAL "OBJECT_LIBRARY")
    target_link_libraries(${target} PRIVATE ${_runtime})
  else()
    # An object library's objects land in other targets: they need the hooks.
    target_link_libraries(${target} INTERFACE ${_runtime})
  endif()
  _concheck_check_one_runtime(${target})
  get_property(_deferred GLOBAL PROPERTY _CONCHECK_INSTRUMENT_DEFERRED)
  if(NOT _deferred)
    set_property(GLOBAL PROPERTY _CONCHECK_INSTRUMENT_DEFERRED ON)
    cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL _concheck_check_instrumented_targets)
  endif()
  set_property(GLOBAL APPEND PROPERTY _CONCHECK_INSTRUMENTED_TARGETS ${target})
endfunction()

function(_concheck_check_instrumented_targets)
  get_property(_targets GLOBAL PROPERTY _CONCHECK_INSTRUMENTED_TARGETS)
  foreach(_target IN LISTS _targets)
    _concheck_check_no_libtsan(${_target})
    _concheck_check_one_runtime(${_target})
  endforeach()
endfunction()

# Sets ${out} to TRUE if `value` (flags or a list of link items) names
# ThreadSanitizer's runtime: -fsanitize=...thread..., -ltsan, tsan, libtsan.*.
function(_concheck_names_libtsan value out)
  set(_found FALSE)
  string(REPLACE ";" " " _text " ${value} ")
  if(_text MATCHES "-fsanitize=([^ ]*,)?thread[,> ]"
     OR _text MATCHES "[ :]-ltsan[ >]"
     OR _text MATCHES "[ :/]libtsan[^ /]*\\.(so|a)"
     OR _text MATCHES "[ :/]libclang_rt\\.tsan"
     OR _text MATCHES " tsan ")
    set(_found TRUE)
  endif()
  set(${out} ${_found} PARENT_SCOPE)
endfunction()

function(_concheck_check_no_libtsan target)
  set(_places "")
  macro(_concheck_look what value)
    _concheck_names_libtsan("${value}" _hit)
    if(_hit)
      string(REPLACE ";" " " _shown "${value}")
      list(APPEND _places "${what} (${_shown})")
    endif()
  endmacro()
  foreach(_property LINK_OPTIONS LINK_FLAGS LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(_value ${target} ${_property})
    if(_value)
      _concheck_look("target ${target}'s ${_property}" "${_value}")
    endif()
  endforeach()
  get_target_property(_dir ${target} SOURCE_DIR)
  get_property(_value DIRECTORY ${_dir} PROPERTY LINK_OPTIONS)
  if(_value)
    _concheck_look("the LINK_OPTIONS of directory ${_dir} (add_link_options)" "${_value}")
  endif()
  set(_configs ${CMAKE_BUILD_TYPE} ${CMAKE_CONFIGURATION_TYPES})
  set(_variables CMAKE_C_FLAGS CMAKE_CXX_FLAGS CMAKE_EXE_LINKER_FLAGS CMAKE_SHARED_LINKER_FLAGS
                 CMAKE_MODULE_LINKER_FLAGS CMAKE_C_STANDARD_LIBRARIES CMAKE_CXX_STANDARD_LIBRARIES)
  foreach(_config IN LISTS _configs)
    string(TOUPPER "${_config}" _config)
    list(APPEND _variables CMAKE_C_FLAGS_${_config} CMAKE_CXX_FLAGS_${_config} CMAKE_EXE_LINKER_FLAGS_${_config}
                CMAKE_SHARED_LINKER_FLAGS_${_config} CMAKE_MODULE_LINKER_FLAGS_${_config})
  endforeach()
  foreach(_variable IN LISTS _variables)
    if(DEFINED ${_variable} AND NOT "${${_variable}}" STREQUAL "")
      _concheck_look("${_variable}" "${${_variable}}")
    endif()
  endforeach()
  # The targets it links, and theirs, as far as they are known now.
  get_target_property(_pending ${target} LINK_LIBRARIES)
  if(NOT _pending)
    set(_pending "")
  endif()
  set(_seen "")
  while(_pending)
    list(POP_FRONT _pending _item)
    if(_item IN_LIST _seen)
      continue()
    endif()
    list(APPEND _seen ${_item})
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" _item "${_item}")
    if(NOT TARGET "${_item}")
      continue()
    endif()
    get_target_property(_aliased ${_item} ALIASED_TARGET)
    if(_aliased)
      set(_item ${_aliased})
    endif()
    foreach(_property INTERFACE_LINK_OPTIONS INTERFACE_LINK_LIBRARIES)
      get_target_property(_value ${_item} ${_property})
      if(_value)
        _concheck_look("${_property} of ${_item}, which ${target} links" "${_value}")
        if(_property STREQUAL "INTERFACE_LINK_LIBRARIES")
          list(APPEND _pending ${_value})
        endif()
      endif()
    endforeach()
  endwhile()
  if(_places)
    list(JOIN _places "\n  " _where)
    message(FATAL_ERROR
      "concheck_instrument(${target}): the link step would bring ThreadSanitizer's runtime (libtsan):\n"
      "  ${_where}\n"
      "linking libtsan would replace concheck's hooks; use compile-only instrumentation: "
      "concheck_instrument() adds -fsanitize=thread to the compile step, so remove it from the link step "
      "(docs/race.md, \"Why not libtsan\").")
  endif()
endfunction()

# Fails when `target` would link both runtimes, concheck::runtime (shared) and
# concheck::runtime_static: two copies in one process (docs/race.md). Follows
# its link libraries, their interface link libraries, and the link libraries
# of the shared libraries of this project it links (what they link is loaded
# with them), as far as they are known now.
function(_concheck_check_one_runtime target)
  set(_shared "")
  set(_static "")
  set(_pending "")
  foreach(_property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(_value ${target} ${_property})
    if(_value)
      foreach(_item IN LISTS _value)
        list(APPEND _pending "${_item}|${target}")
      endforeach()
    endif()
  endforeach()
  set(_seen "")
  while(_pending)
    list(POP_FRONT _pending _entry)
    string(REGEX REPLACE "\\|[^|]*$" "" _item "${_entry}")
    string(REGEX REPLACE "^.*\\|" "" _via "${_entry}")
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" _item "${_item}")
    if(_item IN_LIST _seen OR NOT TARGET "${_item}")
      continue()
    endif()
    list(APPEND _seen ${_item})
    set(_name ${_item})
    get_target_property(_aliased ${_item} ALIASED_TARGET)
    if(_aliased)
      set(_name ${_aliased})
    endif()
    set(_where "${_item}")
    if(NOT _via STREQUAL target)
      set(_where "${_item} (through ${_via})")
    endif()
    if(_name STREQUAL "concheck_runtime" OR _name STREQUAL "concheck::runtime")
      list(APPEND _shared "${_where}")
      continue()
    elseif(_name STREQUAL "concheck_runtime_static" OR _name STREQUAL "concheck::runtime_static")
      list(APPEND _static "${_where}")
      continue()
    endif()
    set(_properties INTERFACE_LINK_LIBRARIES)
    get_target_property(_type ${_name} TYPE)
    get_target_property(_imported ${_name} IMPORTED)
    if(NOT _imported AND (_type STREQUAL "SHARED_LIBRARY" OR _type STREQUAL "MODULE_LIBRARY"))
      list(APPEND _properties LINK_LIBRARIES)
    endif()
    foreach(_property IN LISTS _properties)
      get_target_property(_value ${_name} ${_property})
      if(_value)
        foreach(_next IN LISTS _value)
          list(APPEND _pending "${_next}|${_item}")
        endforeach()
      endif()
    endforeach()
  endwhile()
  if(_shared AND _static)
    list(JOIN _shared ", " _shared)
    list(JOIN _static ", " _static)
    message(FATAL_ERROR
      "concheck_instrument(${target}): the program would hold two copies of concheck's runtime:\n"
      "  the shared one: ${_shared}\n"
      "  the static one: ${_static}\n"
      "each would see a part of the program; link one runtime only: concheck_instrument(${target} STATIC) "
      "with no concheck::runtime (nor concheck::gtest) anywhere in the program, or concheck::runtime "
      "everywhere (docs/race.md, \"Static or shared runtime\").")
  endif()
endfunction()
