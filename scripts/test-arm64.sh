#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-builds nanollama for aarch64 (Debian's g++-aarch64-linux-gnu, arm64 multiarch
# libraries) and runs the test suite under qemu-aarch64 once per ARM path (neon-dotprod,
# neon, scalar), the goldens included. qemu's "max" CPU has the dot-product extension, so
# every path can be forced.
#   scripts/test-arm64.sh            install what is missing, build in build-arm64/, test
#   scripts/test-arm64.sh --deps     only install the packages
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++-aarch64-linux-gnu qemu-user cmake pkg-config
  libc6:arm64 libstdc++6:arm64 libpcre2-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64
  libxsimd-dev libeigen3-dev
)
# The arm64 packages come from Debian's multiarch archive; install-deps.sh installs what is missing.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  if [ "$(id -u)" -ne 0 ]; then sudo dpkg --add-architecture arm64; else dpkg --add-architecture arm64; fi
fi
scripts/install-deps.sh "${packages[@]}"

# libsentencepiece-dev and libsentencepiece0 are not Multi-Arch: same in Debian 12: installing
# the arm64 ones would remove the amd64 ones the native build needs. So their arm64 files are
# unpacked into the build directory instead, with a pkg-config file pointing there.
build_dir=build-arm64
deps=$PWD/$build_dir/deps
if [ ! -f "$deps/lib/pkgconfig/sentencepiece.pc" ]; then
  rm -rf "$deps" && mkdir -p "$deps/debs" "$deps/root"
  (cd "$deps/debs" && apt-get download -qq libsentencepiece-dev:arm64 libsentencepiece0:arm64)
  for deb in "$deps"/debs/*.deb; do dpkg-deb -x "$deb" "$deps/root"; done
  mkdir -p "$deps/lib/pkgconfig"
  cp -a "$deps"/root/usr/lib/aarch64-linux-gnu/libsentencepiece*.so* "$deps/lib/"
  sed -e "s|^prefix=.*|prefix=$deps/root/usr|" -e "s|^libdir=.*|libdir=$deps/lib|" \
    "$deps"/root/usr/lib/aarch64-linux-gnu/pkgconfig/sentencepiece.pc >"$deps/lib/pkgconfig/sentencepiece.pc"
fi
[ "${1:-}" = "--deps" ] && exit 0

export PKG_CONFIG_PATH=$deps/lib/pkgconfig
# xsimd is headers only; its CMake package sits in the host's multiarch directory.
xsimd_dir=$(dirname "$(dpkg -L libxsimd-dev | grep '/xsimdConfig.cmake$')")
cmake -S . -B "$build_dir" -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=Release \
  -DNANOLLAMA_BUILD_BENCH=OFF -DNANOLLAMA_BUILD_EXAMPLES=OFF -Dxsimd_DIR="$xsimd_dir" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"

# ctest runs every test program through the emulator the toolchain file names
# (CMAKE_CROSSCOMPILING_EMULATOR: qemu-aarch64, CPU "max", the arm64 multiarch libc); the tests
# that start the driver start it through a wrapper that does the same (tests/CMakeLists.txt).
# The whole suite runs on the best path (neon-dotprod), goldens included; on the other two paths
# everything runs again except the tests that check no kernel: the driver's signal/resume and
# thousand-line ordering tests (process control), the static checks of the sources (licences,
# docs, headers, exports) and the sampler's statistical tests (thousands of seeds against closed
# forms computed from the logits they get; the logits themselves are checked on every path by
# the goldens and the batch-invariance tests). Emulated on 2 idle cores (2026-12-07):
# neon-dotprod 400 tests in 7 min, neon and scalar 384 each in 3.5 min (a busy host took twice
# as long).
# NANOLLAMA_ARM64_QUICK=1: only the kernel and result tests on each path (~2 min a path).
kernel_and_result_tests='^(Fp16|Bf16|Bf16Pairs|QuantizeQ8_0|ActivationQuantizers|QuantizeQ8_K|QuantizeQ6_K|Matmul|Activations|Panels|ParallelFor|Isa|WeightTypes|Fixtures|Q6Panels|AllPaths/VectorOps|Fixtures/Goldens|AllWeightTypes/BatchInvariance)\.'
no_kernel_tests='^(DriverBatch\.ASignalStops.*|DriverBatch\.ThousandsOfLines.*|license\..*|docs\..*|headers\..*|capi\.shared_exports.*|TagSamplingExact\..*|TagSamplingClean\..*)$'
for isa in neon-dotprod neon scalar; do
  echo "== aarch64 under qemu, NANOLLAMA_ISA=$isa"
  select=()
  if [ "${NANOLLAMA_ARM64_QUICK:-0}" = 1 ]; then
    select=(-R "$kernel_and_result_tests")
  elif [ "$isa" != neon-dotprod ]; then
    select=(-E "$no_kernel_tests")
  fi
  start=$(date +%s)
  NANOLLAMA_ISA=$isa ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 1800 "${select[@]}"
  echo "== aarch64 NANOLLAMA_ISA=$isa: $(($(date +%s) - start)) s"
done
