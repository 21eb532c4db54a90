# SPDX-License-Identifier: Apache-2.0
# Warnings are on for everything the project compiles itself, and kept clean.
function(nanollama_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Wdouble-promotion
    -Wformat=2 -Wimplicit-fallthrough)
endfunction()
