# SPDX-License-Identifier: Apache-2.0
# Every public header compiles on its own, twice in one file (include guards), with nothing
# but the public include directories: C++ headers as C++20 (the requirement the CMake
# target and the README state), the C API's headers also as C99 and as C++11, since C
# programs and older C++ code include them.
#   cmake -DCXX=<c++ compiler> -DCC=<c compiler> -DINCLUDE_DIRS=<dir;dir> -DWORK=<dir>
#         -P check_headers.cmake
cmake_minimum_required(VERSION 3.25)

set(headers "")
foreach(dir IN LISTS INCLUDE_DIRS)
  file(GLOB found RELATIVE "${dir}" "${dir}/nanollama/*.h")
  list(APPEND headers ${found})
endforeach()
list(REMOVE_DUPLICATES headers)
list(LENGTH headers count)
if(count LESS 10)
  message(FATAL_ERROR "found only ${count} public headers in ${INCLUDE_DIRS}")
endif()
list(TRANSFORM INCLUDE_DIRS PREPEND "-I" OUTPUT_VARIABLE include_flags)
file(MAKE_DIRECTORY "${WORK}")

set(failures 0)
function(check header compiler language standard)
  string(MAKE_C_IDENTIFIER "${header}_${standard}" name)
  set(source "${WORK}/${name}.${language}")
  file(WRITE "${source}" "#include <${header}>\n#include <${header}>\nint nanollama_header_check_${name};\n")
  execute_process(COMMAND ${compiler} -std=${standard} -fsyntax-only -Wall -Wextra -Wpedantic -Werror
                          ${include_flags} "${source}"
                  RESULT_VARIABLE failed OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(failed)
    message(SEND_ERROR "${header} does not compile alone as ${standard}:\n${out}")
    math(EXPR n "${failures} + 1")
    set(failures ${n} PARENT_SCOPE)
  else()
    message(STATUS "ok: ${header} (${standard})")
  endif()
endfunction()

foreach(header IN LISTS headers)
  check(${header} "${CXX}" cpp c++20)
  if(header MATCHES "nanollama/(nanollama|version)\\.h$")
    check(${header} "${CC}" c c99)
    check(${header} "${CXX}" cpp c++11)
  endif()
endforeach()
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} header check(s) failed")
endif()
message(STATUS "${count} public headers compile on their own")
