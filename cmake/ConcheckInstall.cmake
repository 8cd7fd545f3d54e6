# Install rules: bin/concheck and its analyzer helper (libexec/concheck), the libraries, public headers, the CMake package
# (lib/cmake/concheck/concheckConfig.cmake + version file) and concheck.pc.
include(CMakePackageConfigHelpers)
set(CONCHECK_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/concheck")

set(_concheck_install_targets concheck_detector concheck_runtime concheck_runtime_static concheck_preload)
if(TARGET concheck_gtest)
  list(APPEND _concheck_install_targets concheck_gtest)
endif()
install(TARGETS ${_concheck_install_targets}
  EXPORT concheckTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
if(CONCHECK_BUILD_ANALYZER)
  install(TARGETS concheck_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # bin/concheck execs it for analyze and --version (cli/src/analyze_command.hpp).
  install(TARGETS concheck_analyze_helper RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/concheck)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/concheck
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_SOURCE_DIR}/cmake/ConcheckHelpers.cmake DESTINATION ${CONCHECK_CMAKE_DIR})

install(EXPORT concheckTargets NAMESPACE concheck:: DESTINATION ${CONCHECK_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/concheckConfig.cmake.in
  ${PROJECT_BINARY_DIR}/concheckConfig.cmake INSTALL_DESTINATION ${CONCHECK_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/concheckConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/concheckConfig.cmake ${PROJECT_BINARY_DIR}/concheckConfigVersion.cmake
  DESTINATION ${CONCHECK_CMAKE_DIR})

# The static runtime's dynamic list, next to the archive: concheck::runtime_static
# and concheck.pc's static_libs pass it to the linker (runtime/CMakeLists.txt).
get_property(_concheck_static_dynamic_list GLOBAL PROPERTY CONCHECK_STATIC_DYNAMIC_LIST)
install(FILES ${_concheck_static_dynamic_list} DESTINATION ${CMAKE_INSTALL_LIBDIR})
get_property(CONCHECK_STATIC_ANCHOR_FLAGS GLOBAL PROPERTY CONCHECK_STATIC_ANCHOR_FLAGS)
configure_file(${PROJECT_SOURCE_DIR}/cmake/concheck.pc.in ${PROJECT_BINARY_DIR}/concheck.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/concheck.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
