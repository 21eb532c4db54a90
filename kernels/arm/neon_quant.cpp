// SPDX-License-Identifier: Apache-2.0
// Integer kernels for the neon path: AArch64 without the dot-product extension.
#include <arm_neon.h>

#include <cstdint>
#include <cstdlib>
#include <new>

#include "kernels/arm/arm_kernels.h"
#include "kernels/arm/neon_hooks.h"
#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/scalar/reference.h"
#include "kernels/simd/stream_prefetch.h"

namespace nanollama::kernels {
namespace {

// Without the dot-product extension: widening multiplies (each product fits int16), then
// pairwise adds to the four-byte sums.
struct NeonWideningDotHooks {
  static int32x4_t dot4(int32x4_t acc, int8x16_t w, int8x16_t x) {
    const int32x4_t lo = vpaddlq_s16(vmull_s8(vget_low_s8(w), vget_low_s8(x)));
    const int32x4_t hi = vpaddlq_s16(vmull_high_s8(w, x));
    return vaddq_s32(acc, vpaddq_s32(lo, hi));
  }
};

#include "kernels/arm/neon_quant.inl"

}  // namespace

void fill_neon_quant(KernelTable& table) { NeonQuantKernels<NeonWideningDotHooks>::fill(table); }

}  // namespace nanollama::kernels
