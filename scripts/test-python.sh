#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Python package's pytest suite (python/tests: the package, the KGen drop-in, the ComfyUI
# and web UI integrations, Dask) against a build of libnanollama.so and of the driver,
# installing the Debian packages it needs.
#   scripts/test-python.sh [BUILD_DIR] [pytest args]     (default build/, as scripts/test.sh makes it)
# Fails (never skips) when the library cannot be loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
[ $# -gt 0 ] && shift
python=${PYTHON:-/usr/bin/python3}  # Debian's interpreter: the one its python3-* packages serve

scripts/install-python-deps.sh
if [ ! -e "$build_dir/libnanollama.so.0" ]; then
  echo "test-python: $build_dir/libnanollama.so.0 is missing (configure with -DNANOLLAMA_BUILD_SHARED=ON)" >&2
  exit 1
fi
export NANOLLAMA_BUILD_DIR=$PWD/$build_dir
export NANOLLAMA_LIBRARY=$PWD/$build_dir/libnanollama.so.0
export NANOLLAMA_CLI=$PWD/$build_dir/tools/nanollama
"$python" -m pytest -q -p no:cacheprovider python/tests "$@"
