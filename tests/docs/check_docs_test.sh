#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/check-docs.sh catches what it is for: a small tree with good citations and links
# passes; each kind of breakage, added alone, makes it fail and is named in its output.
#   check_docs_test.sh CHECK_DOCS_SCRIPT SCRATCH_DIR
set -euo pipefail
checker=$1 work=$2
rm -rf "$work"
mkdir -p "$work"

make_tree() {
  rm -rf "$work/tree"
  mkdir -p "$work/tree/docs" "$work/tree/src"
  cat > "$work/tree/README.md" <<'MD'
# Title
See [the guide](docs/GUIDE.md#second-part) and [the sources](src).
MD
  cat > "$work/tree/docs/GUIDE.md" <<'MD'
# Guide
## First part
Back to [the top](../README.md#title), [below](#second-part), [again](#first-part-1).
```
[not a link](nowhere) in a code block, #include "not a heading"
```
## Second part
## First part
MD
  printf '// How it works: docs/GUIDE.md, "Second part".\nint x;\n' > "$work/tree/src/a.cpp"
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
printf '// See DESIGN.md, section 3.\n' >> "$work/tree/src/a.cpp"
expect fail "src/a.cpp:3: cites DESIGN.md" "a comment citing a file that is not there"

make_tree
printf 'Details in OLD_NOTES.md.\n' >> "$work/tree/docs/GUIDE.md"
expect fail "cites OLD_NOTES.md" "a document citing a file that is not there"

make_tree
printf 'Formats: docs/GUIDE.md is fine, ../outside/NOTES.md is not.\n' >> "$work/tree/README.md"
expect fail "cites ../outside/NOTES.md" "a path out of the tree"

make_tree
printf 'A [dead link](docs/missing-page.txt).\n' >> "$work/tree/README.md"
expect fail "links to docs/missing-page.txt" "a relative link to a missing file"

make_tree
printf 'A [bad anchor](docs/GUIDE.md#third-part).\n' >> "$work/tree/README.md"
expect fail "#third-part, which is not a heading of docs/GUIDE.md" "a link to a missing heading"

make_tree
printf 'A [bad local anchor](#guide-2).\n' >> "$work/tree/docs/GUIDE.md"
expect fail "#guide-2" "a same-file link to a missing heading"

# In a git checkout only tracked files count: an untracked page cannot be cited.
make_tree
git -C "$work/tree" init -q
git -C "$work/tree" add README.md src/a.cpp
expect fail "links to docs/GUIDE.md, which is not in the repository" "a link to an untracked file"
git -C "$work/tree" add docs/GUIDE.md
expect pass "" "the same tree once the file is tracked"
rm -rf "$work"
