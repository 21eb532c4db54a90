#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The project must explain itself: fails when a source, script, build file or document cites
# a Markdown file (<name>.md) that is not a file of the repository, or when a relative link
# in a Markdown file points at a file, folder or heading that does not exist.
#
#   scripts/check-docs.sh [ROOT]     ROOT: the tree to check (default: this repository)
#
# A citation resolves when the path is a file of the tree, taken from the tree's top or from
# the citing file's folder (so a path from the top anywhere, a bare name beside the file).
# Files are those git tracks when ROOT is a git checkout, else every file under ROOT;
# tests/docs/, which holds this checker's own tests, is left out.
# Heading anchors follow GitHub's rule (lower case, punctuation dropped, spaces to '-',
# repeats numbered -1, -2, ...), for ASCII headings. Run by CTest as docs.citations_resolve.
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
cd "$root"

if top=$(git rev-parse --show-toplevel 2>/dev/null) && [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ]; then
  mapfile -t files < <(git ls-files)
else
  mapfile -t files < <(find . -type f -not -path './.git/*' -not -path './build*' | sed 's|^\./||' | sort)
fi
declare -A tracked=() dirs=()
for f in "${files[@]}"; do
  tracked["$f"]=1
  d=$f
  while [[ "$d" == */* ]]; do
    d=${d%/*}
    [ -n "${dirs[$d]:-}" ] && break
    dirs["$d"]=1
  done
done
dir_of() { if [[ "$1" == */* ]]; then echo "${1%/*}"; else echo .; fi; }

# Collapses a relative path ("a/b/../c" -> "a/c", "./x" -> "x"); empty if it leaves the tree.
normalize() {
  local IFS=/ part out=()
  for part in $1; do
    case "$part" in
      '' | .) ;;
      ..) if [ ${#out[@]} -eq 0 ]; then echo ""; return; fi; unset 'out[${#out[@]}-1]' ;;
      *) out+=("$part") ;;
    esac
  done
  echo "${out[*]}"
}

# The anchors of a Markdown file's headings, one per line (fenced code is not a heading).
anchors_of() {
  awk '
    /^[ \t]*(```|~~~)/ { fenced = !fenced; next }
    fenced { next }
    /^#+[ \t]/ && match($0, /^#+/) && RLENGTH <= 6 {
      text = $0; sub(/^#+[ \t]+/, "", text); sub(/[ \t]+#*[ \t]*$/, "", text)
      text = tolower(text); gsub(/[^a-z0-9 _-]/, "", text); gsub(/ /, "-", text)
      slug = text; if (seen[text]++) slug = text "-" (seen[text] - 1)
      print slug
    }' "$1"
}

errors=0
report() { echo "$1"; errors=$((errors + 1)); }

# 1. Every <name>.md mentioned in a source, script, build file or document is in the tree.
sources=()
for f in "${files[@]}"; do
  case "$f" in
    tests/docs/*) continue ;;  # the checker's own tests: broken citations on purpose
    *.h | *.hpp | *.cpp | *.inl | *.c | *.py | *.md | *.sh | *.txt | *.cmake | *.in | .ci/*) [ -f "$f" ] && sources+=("$f") ;;
  esac
done
while IFS=: read -r f line token; do
  case "$token" in //*) continue ;; esac  # part of a URL
  from_top=$(normalize "$token")
  from_here=$(normalize "$(dir_of "$f")/$token")
  if { [ -z "$from_top" ] || [ -z "${tracked[$from_top]:-}" ]; } &&
     { [ -z "$from_here" ] || [ -z "${tracked[$from_here]:-}" ]; }; then
    report "$f:$line: cites $token, which is not a file of the repository"
  fi
done < <(grep -HnoE '[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b' -- "${sources[@]}" || true)

# 2. Relative links in Markdown files reach a file or folder of the tree, and their anchors
#    a heading of the target.
markdown=()
for f in "${files[@]}"; do
  case "$f" in tests/docs/*) ;; *.md) [ -f "$f" ] && markdown+=("$f") ;; esac
done
# Links outside fenced code and inline code spans, as "file<TAB>line<TAB>target".
while IFS=$'\t' read -r f line target; do
  case "$target" in http://* | https://* | mailto:* | '') continue ;; esac
  path=${target%%#*}
  anchor=""
  [[ "$target" == *"#"* ]] && anchor=${target#*#}
  if [ -z "$path" ]; then
    resolved=$f
  else
    resolved=$(normalize "$(dir_of "$f")/$path")
    if [ -z "$resolved" ] || { [ -z "${tracked[$resolved]:-}" ] && [ -z "${dirs[$resolved]:-}" ]; }; then
      report "$f:$line: links to $path, which is not in the repository"
      continue
    fi
  fi
  if [ -n "$anchor" ] && [[ "$resolved" == *.md ]] && ! anchors_of "$resolved" | grep -qxF -- "$anchor"; then
    report "$f:$line: links to #$anchor, which is not a heading of $resolved"
  fi
done < <([ ${#markdown[@]} -eq 0 ] || awk '
  FNR == 1 { fenced = 0 }
  /^[ \t]*(```|~~~)/ { fenced = !fenced; next }
  fenced { next }
  {
    text = $0; gsub(/`[^`]*`/, "", text)
    while (match(text, /\]\([^) \t]*/)) {
      print FILENAME "\t" FNR "\t" substr(text, RSTART + 2, RLENGTH - 2)
      text = substr(text, RSTART + RLENGTH)
    }
  }' "${markdown[@]}")

if [ "$errors" -gt 0 ]; then
  echo "check-docs: $errors broken citation(s) or link(s)"
  exit 1
fi
echo "check-docs: every cited .md file and every relative link resolves (${#files[@]} files)"
