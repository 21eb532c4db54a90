#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ThreadSanitizer over the threaded tests only (a TSan build of everything would take far
# longer and find nothing more): the thread pool (ParallelFor), matmul's threads taking each
# other's chunks, several generators over one
# model, cancellation from another thread, batched requests, and the load test (8 threads x
# 50 requests). Built in build-tsan/ with the default compiler. docs/SECURITY.md.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build=build-tsan
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNANOLLAMA_TSAN=ON -DNANOLLAMA_BUILD_BENCH=OFF \
  -DNANOLLAMA_BUILD_EXAMPLES=OFF -DNANOLLAMA_INSTALL=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target test_threads test_kernels test_tag_generator test_load

# halt_on_error: the first race fails the stage.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=4"
run() {
  echo "== tsan: $*"
  "$@"
}
run "$build/tests/test_threads" --gtest_filter='ParallelFor.*'
run "$build/tests/test_kernels" --gtest_filter='Matmul.ThreadsTaking*'
run "$build/tests/test_tag_generator" \
  --gtest_filter='*Thread*:*Cancel*:*ManyGenerators*:TagBatching.*:RequestChecks.ATimeLimit*'
run "$build/tests/test_load"
echo "tsan: no races"
