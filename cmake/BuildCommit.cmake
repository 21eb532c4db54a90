# SPDX-License-Identifier: Apache-2.0
# Writes the git commit of the source tree into a header, at build time (run with cmake -P
# by the nanollama_build_commit target, on every build):
#
#   cmake -DSOURCE_DIR=<nanollama's source> -DOUTPUT=<header> -P BuildCommit.cmake
#
# The header is rewritten only when its content changes, so a build with an unchanged commit
# recompiles nothing. The commit is a short hash, plus "-dirty" when tracked files differ
# from it; "unknown" when git is missing or SOURCE_DIR is not the top of a git checkout (a
# release tarball, or a copy vendored inside another project's repository, whose commit
# would say nothing about nanollama's sources).
cmake_minimum_required(VERSION 3.25)

set(commit "unknown")
find_program(NANOLLAMA_GIT git)
if(NANOLLAMA_GIT)
  # A build must not take git's index lock: another git command may be running in the tree.
  set(ENV{GIT_OPTIONAL_LOCKS} 0)
  execute_process(COMMAND "${NANOLLAMA_GIT}" -C "${SOURCE_DIR}" rev-parse --show-toplevel
                  OUTPUT_VARIABLE top RESULT_VARIABLE failed OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT failed)
    file(REAL_PATH "${top}" top)
    file(REAL_PATH "${SOURCE_DIR}" source)
  endif()
  if(NOT failed AND top STREQUAL source)
    execute_process(COMMAND "${NANOLLAMA_GIT}" -C "${SOURCE_DIR}" rev-parse --short=7 HEAD
                    OUTPUT_VARIABLE hash RESULT_VARIABLE failed OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT failed AND hash MATCHES "^[0-9a-f]+$")
      set(commit "${hash}")
      execute_process(COMMAND "${NANOLLAMA_GIT}" -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
                      OUTPUT_VARIABLE changes RESULT_VARIABLE failed ERROR_QUIET)
      if(failed OR NOT changes STREQUAL "")
        string(APPEND commit "-dirty")
      endif()
    endif()
  endif()
endif()

set(content "/* Generated at build time by cmake/BuildCommit.cmake. */\n#define NANOLLAMA_BUILD_COMMIT \"${commit}\"\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUTPUT}" "${content}")
endif()
