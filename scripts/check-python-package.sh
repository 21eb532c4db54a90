#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Python package as users install it: in a fresh venv (--system-site-packages, Debian's
# setuptools), `pip install --no-build-isolation python/` builds the library with CMake
# (reusing BUILD_DIR's configured build) and installs it inside the package; the installed
# package imports, finds its own library, and gives the driver's tags for the same request;
# `python3 -m build --wheel` makes a wheel holding the library.
#   scripts/check-python-package.sh [BUILD_DIR]     (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(cd "${1:-build}" && pwd)
python=${PYTHON:-/usr/bin/python3}
scripts/install-python-deps.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv --system-site-packages "$work/venv"
# No index: everything needed is on the system already (no PyPI).
NANOLLAMA_BUILD_DIR=$build_dir "$work/venv/bin/pip" install -q --no-index --no-build-isolation ./python

model=$work/tiny.gguf
"$build_dir/tools/nanollama" make-model -o "$model" --dim 128 --ffn 256 --layers 2 --heads 4 --vocab 2000 \
  --type q8_0 --seed 11 >/dev/null
"$build_dir/tools/nanollama" tags -m "$model" --general "1girl, solo" --target short --seed 1 --json -t 1 \
  >"$work/driver.json"
# Run from elsewhere, without NANOLLAMA_LIBRARY: the installed package must use its own copy.
(cd "$work" && env -u NANOLLAMA_LIBRARY -u PYTHONPATH "$work/venv/bin/python" - "$model" "$work/driver.json" <<'PY'
import json, sys
from pathlib import Path
import nanollama
lib = Path(nanollama.library_path())
assert lib.parent == Path(nanollama.__file__).parent, f"loaded {lib}, not the package's own library"
gen = nanollama.TagGenerator(nanollama.Model(sys.argv[1]), threads=1)
tags = gen.generate(general="1girl, solo", target="short", seed=1).tags
want = json.load(open(sys.argv[2]))["tags"]
assert tags == want, f"python gives {tags}, the driver {want}"
print(f"check-python-package: venv install ok, {lib.name} {nanollama.version()}, {len(tags)} tags as the driver")
PY
)

# A wheel, built the same way (no isolation: no PyPI), holding the library.
NANOLLAMA_BUILD_DIR=$build_dir "$python" -m build --wheel --no-isolation --outdir "$work/dist" python >/dev/null
wheel=$(ls "$work"/dist/nanollama-*.whl)
listing=$("$python" -m zipfile -l "$wheel")
grep -q "nanollama/libnanollama.so.0" <<<"$listing" || { echo "check-python-package: $wheel holds no libnanollama.so.0" >&2; exit 1; }
echo "check-python-package: wheel ok, $(basename "$wheel")"
