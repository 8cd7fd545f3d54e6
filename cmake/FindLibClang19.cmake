# Finds libclang's C API from LLVM 19 (Debian: libclang-19-dev), which ships no
# CMake config and no llvm-config. Defines the imported target LibClang19::libclang,
# LIBCLANG19_BUILTIN_HEADERS (clang's resource include dir, from libclang-common-19-dev;
# libclang finds it relative to its own library) and LibClang19_FOUND.
set(_llvm19_prefixes /usr/lib/llvm-19 /usr/local/lib/llvm-19 /opt/llvm-19)
if(DEFINED ENV{LLVM19_ROOT})
  list(PREPEND _llvm19_prefixes "$ENV{LLVM19_ROOT}")
endif()
find_path(LIBCLANG19_INCLUDE_DIR clang-c/Index.h PATHS ${_llvm19_prefixes} PATH_SUFFIXES include NO_DEFAULT_PATH)
find_library(LIBCLANG19_LIBRARY NAMES clang clang-19 PATHS ${_llvm19_prefixes} PATH_SUFFIXES lib NO_DEFAULT_PATH)
if(LIBCLANG19_LIBRARY)
  get_filename_component(_libdir "${LIBCLANG19_LIBRARY}" DIRECTORY)
  file(GLOB _resource_dirs "${_libdir}/clang/*/include/stddef.h")
  if(_resource_dirs)
    list(GET _resource_dirs 0 _stddef)
    get_filename_component(LIBCLANG19_BUILTIN_HEADERS "${_stddef}" DIRECTORY)
  endif()
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibClang19 REQUIRED_VARS LIBCLANG19_LIBRARY LIBCLANG19_INCLUDE_DIR)
if(LibClang19_FOUND AND NOT TARGET LibClang19::libclang)
  add_library(LibClang19::libclang SHARED IMPORTED)
  set_target_properties(LibClang19::libclang PROPERTIES
    IMPORTED_LOCATION "${LIBCLANG19_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBCLANG19_INCLUDE_DIR}")
endif()
mark_as_advanced(LIBCLANG19_INCLUDE_DIR LIBCLANG19_LIBRARY)
