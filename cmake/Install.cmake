# `cmake --install` gives users a static library, the public headers, a CMake package
# (find_package(nanollama)) and a pkg-config file. The static library needs sentencepiece's
# and PCRE2's libraries at link time; both packages carry that along.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS nanollama EXPORT nanollamaTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
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

configure_file(cmake/nanollama.pc.in ${CMAKE_CURRENT_BINARY_DIR}/nanollama.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nanollama.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(NANOLLAMA_BUILD_TOOLS)
  install(TARGETS nanollama-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
