// SPDX-License-Identifier: Apache-2.0
// The contract between the AArch64 integer kernels written once (kernels/arm/neon_quant.inl)
// and an ARM path: a hook type with one static function. NeonQuantKernels<H> does not
// compile for an H that lacks it or gets its signature wrong; the kernels' tests check its
// results on every path against the scalar reference.
#pragma once

#include <arm_neon.h>

#include <concepts>

namespace nanollama::kernels {

template <class H>
concept NeonDotHooks = requires(int32x4_t acc, int8x16_t w, int8x16_t x) {
  // acc + per int32 lane k: the sum of bytes 4k..4k+3 of w times those of x (int8 x int8,
  // exact).
  { H::dot4(acc, w, x) } -> std::same_as<int32x4_t>;
};

}  // namespace nanollama::kernels
