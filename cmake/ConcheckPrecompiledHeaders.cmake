# Precompiled headers for concheck's sample programs (option
# CONCHECK_PRECOMPILED_HEADERS). A sample is one file, so it has no unit to
# share (cmake/ConcheckWarnings.cmake), and parsing concheck.hpp with the
# standard headers it pulls in is ~1.4 s of its ~2.4 s compile, ~25 times
# per build (docs/building.md, "What CI's time goes to"). The test
# executables do not use one: their files are compiled in unity units, where
# loading a PCH of GoogleTest costs nearly what it saves.
#
# concheck_pch_holder(NAME HEADERS h... [LIBS l...])
#   A tiny program, built only when a user of it is, whose precompiled header
#   holds HEADERS; compiled with the flags of its users (concheck_project_code,
#   LIBS for their include directories), since GCC ignores a precompiled
#   header made with other settings.
# concheck_use_pch(TARGET HOLDER)
#   TARGET's files are compiled with HOLDER's precompiled header (REUSE_FROM):
#   every file gets HEADERS included first, which only third-party, standard
#   and concheck's public headers (include-guarded, no configuration macros)
#   may be.
#
# Off, every file parses its own headers. Off by default under ccache, which
# caches whole objects and cannot cache files built with a precompiled header
# unless its sloppiness allows pch_defines and time_macros.
if(CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache")
  set(_concheck_pch_default OFF)
else()
  set(_concheck_pch_default ON)
endif()
option(CONCHECK_PRECOMPILED_HEADERS "Compile concheck's samples with a shared precompiled header"
       ${_concheck_pch_default})

function(concheck_pch_holder name)
  cmake_parse_arguments(ARG "" "" "HEADERS;LIBS" ${ARGN})
  if(NOT CONCHECK_PRECOMPILED_HEADERS)
    return()
  endif()
  set(_source ${CMAKE_CURRENT_BINARY_DIR}/${name}.cpp)
  file(CONFIGURE OUTPUT ${_source} CONTENT "int main() { return 0; }\n")
  add_executable(${name} EXCLUDE_FROM_ALL ${_source})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
  concheck_project_code(${name})
  target_precompile_headers(${name} PRIVATE ${ARG_HEADERS})
endfunction()

function(concheck_use_pch target holder)
  if(CONCHECK_PRECOMPILED_HEADERS)
    target_precompile_headers(${target} REUSE_FROM ${holder})
  endif()
endfunction()
