// SPDX-License-Identifier: Apache-2.0
// Integer kernels for the neon-dotprod path (compiled with +dotprod: SDOT).
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

// SDOT: four int8 products summed into each int32 lane, one instruction.
struct NeonSdotHooks {
  static int32x4_t dot4(int32x4_t acc, int8x16_t w, int8x16_t x) { return vdotq_s32(acc, w, x); }
};

#include "kernels/arm/neon_quant.inl"

}  // namespace

void fill_neon_dotprod_quant(KernelTable& table) { NeonQuantKernels<NeonSdotHooks>::fill(table); }

}  // namespace nanollama::kernels
