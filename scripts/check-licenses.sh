#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The licence is stated where it must be: LICENSE (Apache-2.0) and NOTICE at the top, and
# in every source, header, build file and script one SPDX line, first (after a #! line).
#
#   scripts/check-licenses.sh [ROOT]     ROOT: the tree to check (default: this repository)
#
# Files are those git tracks when ROOT is a git checkout, else every file under ROOT.
# Run by CTest as license.spdx_headers.
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
cd "$root"
if top=$(git rev-parse --show-toplevel 2>/dev/null) && [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ]; then
  mapfile -t files < <(git ls-files)
else
  mapfile -t files < <(find . -type f -not -path './.git/*' -not -path './build*' | sed 's|^\./||' | sort)
fi

errors=0
report() { echo "$1"; errors=$((errors + 1)); }
[ -f LICENSE ] && grep -q "Apache License" LICENSE && grep -q "Version 2.0" LICENSE || report "LICENSE: missing, or not the Apache License 2.0"
[ -f NOTICE ] || report "NOTICE: missing"

checked=0
for f in "${files[@]}"; do
  case "$f" in
    *.h | *.hpp | *.cpp | *.inl | *.c | *.cmake | */CMakeLists.txt | CMakeLists.txt | *.sh | *.py | *.in | *.map | .ci/*) ;;
    *) continue ;;
  esac
  [ -f "$f" ] || continue
  checked=$((checked + 1))
  # The SPDX line: a comment of the file's language holding only the identifier.
  first=1
  [ "$(head -c 2 "$f")" = "#!" ] && first=2
  line=$(sed -n "${first}p" "$f")
  if ! [[ "$line" =~ ^(//|#|/\*)\ SPDX-License-Identifier:\ Apache-2\.0(\ \*/)?$ ]]; then
    report "$f:$first: expected the SPDX line (SPDX-License-Identifier: Apache-2.0), found: ${line:0:60}"
    continue
  fi
  count=$(grep -cE '^(//|#|/\*) SPDX-License-Identifier:' "$f" || true)
  [ "$count" -eq 1 ] || report "$f: $count SPDX lines; one is enough"
done

if [ "$errors" -gt 0 ]; then
  echo "check-licenses: $errors problem(s)"
  exit 1
fi
echo "check-licenses: LICENSE and NOTICE present; $checked files carry one SPDX line"
