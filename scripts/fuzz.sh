#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan in build-fuzz/, then
# runs each for a bounded time from its seed corpus (tests/fuzz/corpus/TARGET). Any crash,
# leak, sanitizer report, timeout or out-of-memory fails the script; the input that caused it
# is left in build-fuzz/findings/TARGET/ (copy it to tests/fuzz/regressions/TARGET/, where
# ctest replays it, once fixed). docs/SECURITY.md, "Fuzzing".
#   scripts/fuzz.sh                 every target, 50 s each
#   scripts/fuzz.sh 300 gguf ban    300 s each, those targets only
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-50}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(gguf tokenizer prompt json_request ban template)

# clang and its sanitizer and libFuzzer runtimes (Debian: libclang-rt-14-dev).
scripts/install-deps.sh
need=()
command -v clang++ >/dev/null || need+=(clang)
if ! find /usr/lib/llvm-*/lib/clang -name 'libclang_rt.fuzzer-x86_64.a' 2>/dev/null | grep -q . &&
   ! find /usr/lib/llvm-*/lib/clang -name 'libclang_rt.fuzzer-aarch64.a' 2>/dev/null | grep -q .; then
  need+=(libclang-rt-dev)
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "fuzz: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

build=build-fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNANOLLAMA_BUILD_FUZZERS=ON \
  -DNANOLLAMA_BUILD_BENCH=OFF -DNANOLLAMA_BUILD_EXAMPLES=OFF -DNANOLLAMA_INSTALL=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
for t in "${targets[@]}"; do
  work="$build/corpus/$t" findings="$build/findings/$t"
  mkdir -p "$work" "$findings"
  log="$build/fuzz_$t.log"
  echo "== fuzz_$t: ${seconds} s"
  # New inputs go to the work corpus (the first folder); the seeds are only read.
  if "$build/tests/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$findings/" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
    echo "   ok: $runs executions, coverage $cov edges, corpus $(ls "$work" | wc -l) new inputs"
  else
    echo "   FINDING (log: $log; input: $findings/):"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -20 | sed 's/^/   /'
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}"
  exit 1
fi
echo "fuzz: no findings in ${#targets[@]} targets"
