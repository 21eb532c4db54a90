#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets up, builds and runs the whole test suite.
#   scripts/test.sh              release build in build/, every test
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
# Tests that need ../shared/fixtures skip with a message when it is absent. The release build
# then runs the Python package's pytest suite (scripts/test-python.sh) against its library.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
python_tests=1
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DNANOLLAMA_BUILD_SHARED=ON)
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  python_tests=0  # an ASan library cannot be dlopen'ed into an uninstrumented Python
  cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DNANOLLAMA_SANITIZE=ON -DNANOLLAMA_BUILD_BENCH=OFF -DNANOLLAMA_BUILD_SHARED=ON)
  shift
fi

scripts/install-deps.sh
jobs=$(nproc)
cmake -S . -B "$build_dir" "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$jobs"
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" "$@"
if [ "$python_tests" = 1 ]; then scripts/test-python.sh "$build_dir"; fi
