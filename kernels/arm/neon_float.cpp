// SPDX-License-Identifier: Apache-2.0
// Float kernels for the AArch64 paths (neon and neon-dotprod share them): the kernels of
// kernels/simd/float_kernels.inl over xsimd's NEON backend, with the pieces xsimd 8.1 lacks
// written in NEON intrinsics. Baseline AArch64: no extra compiler flags.
#include <arm_neon.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <xsimd/xsimd.hpp>

#include "kernels/arm/arm_kernels.h"
#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/simd/float_hooks.h"
#include "kernels/simd/stream_prefetch.h"

namespace nanollama::kernels {
namespace {

struct NeonFloatHooks {
  using Arch = xsimd::neon64;
  using F = xsimd::batch<float, Arch>;
  using D = xsimd::batch<double, Arch>;
  static constexpr int64_t kLanes = 4;
  // 32 vector registers: 4 x 6 = 24 accumulators + 4 weight vectors + 1 activation vector.
  static constexpr int kTileR = 4;
  static constexpr int kTileC = 6;

  static F load_f16(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
  static void store_f16(uint16_t* p, F v) { vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v))); }
  static F load_bf16(const uint16_t* p) { return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16)); }
  // FCVT, nearest-even (the default rounding mode), like the other paths' conversions.
  static uint16_t f16_of(float v) {
    const float16x4_t h = vcvt_f16_f32(vdupq_n_f32(v));
    return vget_lane_u16(vreinterpret_u16_f16(h), 0);
  }
  static void widen(F v, D& lo, D& hi) {
    lo = vcvt_f64_f32(vget_low_f32(v));
    hi = vcvt_high_f64_f32(v);
  }
  static F dup_pairs(const float* c) {  // c0 c0 c1 c1
    const float32x2_t two = vld1_f32(c);
    const float32x4_t q = vcombine_f32(two, two);
    return vzip1q_f32(q, q);
  }
  static F swap_pairs(F v) { return vrev64q_f32(v); }
  static F round_even(F v) { return vrndnq_f32(v); }
  // FMAX returns NaN when either operand is; the activation quantizers want x86's vmaxps.
  static F max_or_second(F a, F b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
  // Four integral floats in [-128, 127] to int8.
  static void store_i8(int8_t* dst, F q) {
    const int16x4_t i16 = vmovn_s32(vcvtq_s32_f32(q));
    const int8x8_t i8 = vmovn_s16(vcombine_s16(i16, i16));
    const int32_t four = vget_lane_s32(vreinterpret_s32_s8(i8), 0);
    std::memcpy(dst, &four, 4);
  }
};

#include "kernels/simd/float_kernels.inl"

}  // namespace

void fill_neon_float(KernelTable& table) { fill_float_kernels<NeonFloatHooks>(table); }

}  // namespace nanollama::kernels
