# SPDX-License-Identifier: Apache-2.0
# `cmake --install` gives users a static library, the public headers, a CMake package
# (find_package(nanollama)) and a pkg-config file; with NANOLLAMA_BUILD_SHARED also
# libnanollama.so (nanollama::nanollama_shared in the CMake package). The static library
# needs sentencepiece's and PCRE2's libraries, threads and, from C, the C++ runtime at link
# time; both packages carry that along.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_nanollama_targets nanollama)
if(NANOLLAMA_BUILD_SHARED)
  list(APPEND _nanollama_targets nanollama_shared)
endif()
install(TARGETS ${_nanollama_targets} EXPORT nanollamaTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/nanollama ${PROJECT_BINARY_DIR}/include/nanollama DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT nanollamaTargets NAMESPACE nanollama::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nanollama)

configure_package_config_file(cmake/nanollamaConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/nanollamaConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nanollama)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/nanollamaConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nanollamaConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/nanollamaConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nanollama)

# nanollama.pc: `Libs` names the static archive by its path, not -lnanollama, because with
# NANOLLAMA_BUILD_SHARED libnanollama.so sits beside it and the linker would prefer it, and
# the shared library exports the C API only (a C++ user of the .pc would fail to link).
# Everything the archive needs is in `Libs` itself (not only in the .private fields), since
# `pkg-config --libs` without --static must be enough to link it.
list(TRANSFORM NANOLLAMA_CXX_RUNTIME PREPEND "-l" OUTPUT_VARIABLE _runtime)
set(_pc_libs -lsentencepiece -lpcre2-8 ${CMAKE_THREAD_LIBS_INIT} ${_runtime})  # threads: empty with glibc >= 2.34
list(JOIN _pc_libs " " NANOLLAMA_PC_LIBS)
configure_file(cmake/nanollama.pc.in ${CMAKE_CURRENT_BINARY_DIR}/nanollama.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nanollama.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(NANOLLAMA_BUILD_TOOLS)
  install(TARGETS nanollama-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
