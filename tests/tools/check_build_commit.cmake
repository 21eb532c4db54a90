# SPDX-License-Identifier: Apache-2.0
# Checks cmake/BuildCommit.cmake (what `nanollama --version` reports as the commit) on
# throw-away git repositories:
#   cmake -DSCRIPT=<cmake/BuildCommit.cmake> -DWORK=<scratch dir> -P check_build_commit.cmake
cmake_minimum_required(VERSION 3.25)

find_program(GIT git)
if(NOT GIT)
  message(FATAL_ERROR "git is needed for this test")
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
# WORK is usually inside nanollama's own checkout (the build tree): git must not look above
# it, or "not a git checkout" would be tested as "inside another repository".
set(ENV{GIT_CEILING_DIRECTORIES} "${WORK}")
set(header "${WORK}/commit.h")

function(git dir)
  execute_process(COMMAND "${GIT}" -C "${dir}" -c user.name=test -c user.email=test@example.invalid
                          -c init.defaultBranch=main ${ARGN}
                  RESULT_VARIABLE failed OUTPUT_VARIABLE out ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(failed)
    message(FATAL_ERROR "git ${ARGN} failed: ${err}")
  endif()
  set(git_out "${out}" PARENT_SCOPE)
endfunction()

# Runs the script for `source` and checks the commit it wrote.
function(expect source want what)
  execute_process(COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${source} -DOUTPUT=${header} -P "${SCRIPT}"
                  RESULT_VARIABLE failed ERROR_VARIABLE err)
  if(failed)
    message(FATAL_ERROR "BuildCommit.cmake failed (${what}): ${err}")
  endif()
  file(READ "${header}" text)
  if(NOT text MATCHES "#define NANOLLAMA_BUILD_COMMIT \"([^\"]*)\"")
    message(FATAL_ERROR "no NANOLLAMA_BUILD_COMMIT in ${header}: ${text}")
  endif()
  if(NOT CMAKE_MATCH_1 STREQUAL want)
    message(FATAL_ERROR "${what}: commit \"${CMAKE_MATCH_1}\", expected \"${want}\"")
  endif()
  message(STATUS "ok: ${what}: ${want}")
endfunction()

set(repo "${WORK}/repo")
file(MAKE_DIRECTORY "${repo}/sub")
expect("${repo}" "unknown" "not a git checkout")

git("${repo}" init -q)
file(WRITE "${repo}/a.txt" "one\n")
file(WRITE "${repo}/sub/b.txt" "two\n")
git("${repo}" add a.txt sub/b.txt)
git("${repo}" commit -q -m first)
git("${repo}" rev-parse --short=7 HEAD)
set(first "${git_out}")
expect("${repo}" "${first}" "clean checkout")

file(WRITE "${repo}/untracked.txt" "x\n")
expect("${repo}" "${first}" "untracked files do not make it dirty")

file(WRITE "${repo}/a.txt" "changed\n")
expect("${repo}" "${first}-dirty" "modified tracked file")

git("${repo}" commit -q -a -m second)
git("${repo}" rev-parse --short=7 HEAD)
expect("${repo}" "${git_out}" "after a new commit")

# A source tree inside someone else's repository (a vendored copy) has no commit of its own.
expect("${repo}/sub" "unknown" "subdirectory of another repository")

# Same commit again: the header keeps its old timestamp, so nothing recompiles.
expect("${repo}" "${git_out}" "back in the repository's top")
execute_process(COMMAND touch -d @1000000000 "${header}")
expect("${repo}" "${git_out}" "unchanged")
file(TIMESTAMP "${header}" stamp "%s" UTC)
if(NOT stamp STREQUAL "1000000000")
  message(FATAL_ERROR "the header was rewritten although its content did not change")
endif()
file(REMOVE_RECURSE "${WORK}")
