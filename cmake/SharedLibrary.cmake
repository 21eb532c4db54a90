# SPDX-License-Identifier: Apache-2.0
# libnanollama.so: the C API as a shared library, for other languages' FFIs (Python ctypes
# and the like). Built from the static library's own object files: the whole project is
# compiled as position-independent code (CMAKE_POSITION_INDEPENDENT_CODE above), so the
# same objects serve both and the kernels are compiled once.
#
# Only the nl_* functions are exported (cmake/nanollama.map): the C++ API's ABI depends on
# the compiler, standard library and flags, so C++ users link the static library, and
# hiding everything else keeps the library's internals (and the libstdc++ template code it
# instantiates) from interposing with a host process's own copies.
set(NANOLLAMA_SHARED_VERSION ${PROJECT_VERSION})
set(NANOLLAMA_SHARED_SOVERSION ${PROJECT_VERSION_MAJOR})

add_library(nanollama_shared SHARED $<TARGET_OBJECTS:nanollama>)
add_library(nanollama::nanollama_shared ALIAS nanollama_shared)
set_target_properties(nanollama_shared PROPERTIES
  OUTPUT_NAME nanollama
  VERSION ${NANOLLAMA_SHARED_VERSION}      # libnanollama.so.0.1.0
  SOVERSION ${NANOLLAMA_SHARED_SOVERSION}  # SONAME libnanollama.so.0
  LINKER_LANGUAGE CXX)                     # links the C++ runtime in, for dlopen from C hosts
target_include_directories(nanollama_shared PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
  $<INSTALL_INTERFACE:include>)
# The static library's dependencies (the same list as its target_link_libraries) become
# DT_NEEDED entries: a process that dlopens the library needs nothing else loaded first.
# A dependency missing here fails the link (--no-undefined below), not a user's dlopen.
target_link_libraries(nanollama_shared PRIVATE PkgConfig::SentencePiece PkgConfig::PCRE2 Threads::Threads)
if(APPLE)
  target_link_options(nanollama_shared PRIVATE "LINKER:-exported_symbol,_nl_*")
else()
  target_link_options(nanollama_shared PRIVATE
    "LINKER:--version-script=${PROJECT_SOURCE_DIR}/cmake/nanollama.map"
    "LINKER:--no-undefined")  # every symbol resolved now, not at dlopen time
  set_property(TARGET nanollama_shared APPEND PROPERTY LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/nanollama.map)
endif()
