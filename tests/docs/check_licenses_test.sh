#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/check-licenses.sh passes a tree whose files carry their SPDX line, and fails, naming
# the file, for each way of getting it wrong.
#   check_licenses_test.sh CHECK_LICENSES_SCRIPT LICENSE_FILE SCRATCH_DIR
set -euo pipefail
checker=$1 license=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
id="SPDX-License-Identifier: Apache-2.0"

make_tree() {
  rm -rf "$work/tree"
  mkdir -p "$work/tree/src" "$work/tree/cmake"
  cp "$license" "$work/tree/LICENSE"
  echo "demo" > "$work/tree/NOTICE"
  printf '// %s\n// A file.\nint x;\n' "$id" > "$work/tree/src/a.cpp"
  printf '/* %s */\n/* C. */\n' "$id" > "$work/tree/src/b.c"
  printf '#!/bin/sh\n# %s\necho hi\n' "$id" > "$work/tree/run.sh"
  printf '# %s\nproject(x)\n' "$id" > "$work/tree/CMakeLists.txt"
  printf '# no header needed in Markdown\n' > "$work/tree/README.md"
}

expect() {  # expect pass|fail NEEDLE DESCRIPTION
  local want=$1 needle=$2 what=$3 out status=0
  out=$("$checker" "$work/tree" 2>&1) || status=$?
  if [ "$want" = pass ] && [ $status -ne 0 ]; then
    echo "FAIL: $what: the checker failed on a good tree:"; echo "$out"; exit 1
  fi
  if [ "$want" = fail ] && { [ $status -eq 0 ] || ! grep -qF -- "$needle" <<<"$out"; }; then
    echo "FAIL: $what: expected a failure naming '$needle', got (exit $status):"; echo "$out"; exit 1
  fi
  echo "ok: $what"
}

make_tree
expect pass "" "a good tree"

make_tree
printf 'set(x 1)\n' > "$work/tree/cmake/x.cmake"
expect fail "cmake/x.cmake:1" "a CMake file without the line"

make_tree
printf '// SPDX-License-Identifier: MIT\nint y;\n' > "$work/tree/src/c.cpp"
expect fail "src/c.cpp:1" "another licence"

make_tree
printf '#!/bin/sh\necho\n# %s\n' "$id" > "$work/tree/late.sh"
expect fail "late.sh:2" "the line not where it belongs"

make_tree
printf '// %s\n// %s\n' "$id" "$id" > "$work/tree/src/d.h"
expect fail "src/d.h: 2 SPDX lines" "the line twice"

make_tree
rm "$work/tree/LICENSE"
expect fail "LICENSE: missing" "no LICENSE"
rm -rf "$work"
