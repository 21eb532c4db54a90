# SPDX-License-Identifier: Apache-2.0
# Every dependency comes from a Debian package (see scripts/install-deps.sh).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SentencePiece REQUIRED IMPORTED_TARGET sentencepiece)
# Ban patterns: Python-compatible regular expressions.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)

find_package(xsimd 8.1 REQUIRED)
# xsimd's exported target names a library `xtl` that no Debian package ships; it is only
# needed with XSIMD_ENABLE_XTL_COMPLEX, which nanollama does not use.
set_target_properties(xsimd PROPERTIES INTERFACE_LINK_LIBRARIES "")

if(NANOLLAMA_BUILD_TESTS)
  find_package(Eigen3 3.4 REQUIRED NO_MODULE)
  find_package(GTest 1.12 REQUIRED CONFIG)
endif()
if(NANOLLAMA_BUILD_BENCH)
  find_package(benchmark 1.7 REQUIRED)
endif()
