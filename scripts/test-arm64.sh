#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-builds nanollama for aarch64 (Debian's g++-aarch64-linux-gnu, arm64 multiarch
# libraries) and runs the kernel and result tests under qemu-aarch64, once per ARM path
# (scalar, neon, neon-dotprod), the goldens included (NANOLLAMA_ARM64_FULL=1: the whole
# suite). qemu's "max" CPU has the dot-product extension, so every path can be forced.
#   scripts/test-arm64.sh            install what is missing, build in build-arm64/, test
#   scripts/test-arm64.sh --deps     only install the packages
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++-aarch64-linux-gnu qemu-user cmake pkg-config
  libc6:arm64 libstdc++6:arm64 libpcre2-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64
  libxsimd-dev libeigen3-dev
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "test-arm64: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then $sudo dpkg --add-architecture arm64; fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

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
# Emulated, the whole suite takes 10-30 min per path on 2 cores, too long for CI's budget: by
# default each path runs the kernel tests and every test that checks results across paths or
# against llama.cpp's logits (goldens, batch invariance), which is where the paths differ.
# NANOLLAMA_ARM64_FULL=1 runs the whole suite on all three paths.
kernel_and_result_tests='^(Fp16|Bf16|QuantizeQ8_0|ActivationQuantizers|QuantizeQ8_K|QuantizeQ6_K|Matmul|Activations|Panels|ParallelFor|Isa|WeightTypes|Fixtures|Q6Panels|AllPaths/VectorOps|Fixtures/Goldens|AllWeightTypes/BatchInvariance)\.'
for isa in neon-dotprod neon scalar; do
  echo "== aarch64 under qemu, NANOLLAMA_ISA=$isa"
  subset=()
  if [ "${NANOLLAMA_ARM64_FULL:-0}" != 1 ]; then subset=(-R "$kernel_and_result_tests"); fi
  NANOLLAMA_ISA=$isa ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" "${subset[@]}"
done
