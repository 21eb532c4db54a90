// SPDX-License-Identifier: Apache-2.0
// Reference quantizers and dequantizers (docs/WEIGHTS.md). The quantizers follow llama.cpp's
// reference recipes step for step, including the order of floating-point operations, so the
// bytes they produce match llama.cpp's files exactly.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/scalar/reference.h"

namespace nanollama::kernels::ref {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // below this a group counts as all zeros

// Round to nearest, ties to even (the rounding the K-quant recipes use). Values that cannot
// be rounded meaningfully (NaN, |v| >= 2^22) are mapped to a bounded integer instead of
// reaching an undefined float-to-int conversion; every caller clamps the result anyway.
int nearest_int(float v) {
  constexpr float kLimit = 4194304.0f;  // 2^22
  if (std::isnan(v)) return 0;
  if (v >= kLimit) return 1 << 22;
  if (v <= -kLimit) return -(1 << 22);
  return static_cast<int>(std::nearbyint(v));
}

// roundf (ties away from zero) into [-127, 127]; NaN becomes 0. Finite normal inputs never
// leave that range anyway; the clamp matters when a block's scale underflows (its
// reciprocal is infinite), and keeping -128 out is what the maddubs kernels rely on.
int8_t round_to_i8(float v) {
  const float r = std::roundf(v);
  if (!(r == r)) return 0;
  return static_cast<int8_t>(std::clamp(r, -127.0f, 127.0f));
}

// One 16-weight group of Q6_K: searches the scale whose levels in [-32, 31] give the
// smallest x²-weighted squared error (llama.cpp's make_qx_quants with nmax 32, weights x²).
// Writes the levels shifted to 0..63 into L and returns the group's scale.
float q6_group_scale(const float* x, uint8_t* L) {
  constexpr int n = 16;
  constexpr int nmax = 32;
  float amax = 0.0f;
  const float max = signed_absmax(x, n, amax);
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, n);
    return 0.0f;
  }
  auto level = [&](float iscale, int i) { return std::clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1); };

  float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0.0f;
  float suml2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int l = level(iscale, i);
    L[i] = static_cast<uint8_t>(l + nmax);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * static_cast<float>(l);
    suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int step = -9; step <= 9; ++step) {
    if (step == 0) continue;
    iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(step)) / max;
    sumlx = 0.0f;
    suml2 = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = level(iscale, i);
      const float w = x[i] * x[i];
      sumlx += w * x[i] * static_cast<float>(l);
      suml2 += w * static_cast<float>(l) * static_cast<float>(l);
    }
    // Strictly smaller weighted error than the best so far: sumlx²/suml2 > best.
    if (suml2 > 0.0f && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) L[i] = static_cast<uint8_t>(level(iscale, i) + nmax);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

void quantize_block_q6_k(const float* x, BlockQ6_K& out) {
  uint8_t L[kSuperBlock];
  float group_scale[16];
  float max_scale = 0.0f;
  float max_abs_scale = 0.0f;
  for (int g = 0; g < 16; ++g) {
    group_scale[g] = q6_group_scale(x + 16 * g, L + 16 * g);
    const float abs_scale = std::fabs(group_scale[g]);
    if (abs_scale > max_abs_scale) {
      max_abs_scale = abs_scale;
      max_scale = group_scale[g];
    }
  }
  if (max_abs_scale < kGroupMaxEps) {
    std::memset(&out, 0, sizeof out);
    return;
  }
  const float iscale = -128.0f / max_scale;
  out.d = f32_to_fp16(1.0f / iscale);
  for (int g = 0; g < 16; ++g) {
    out.scales[g] = static_cast<int8_t>(std::clamp(nearest_int(iscale * group_scale[g]), -128, 127));
  }
  // Requantize every weight against the scale that will really be used.
  const float d_super = fp16_to_f32(out.d);
  for (int g = 0; g < 16; ++g) {
    const float d = d_super * static_cast<float>(out.scales[g]);
    if (d == 0.0f) continue;
    for (int i = 0; i < 16; ++i) {
      const int l = std::clamp(nearest_int(x[16 * g + i] / d), -32, 31);
      L[16 * g + i] = static_cast<uint8_t>(l + 32);
    }
  }
  // Pack: within each half of 128, quarter q of 32 goes to ql's low (q < 2) or high nibble,
  // and its top two bits to bits 2q..2q+1 of qh.
  for (int h = 0; h < 2; ++h) {
    const uint8_t* Lh = L + 128 * h;
    uint8_t* ql = out.ql + 64 * h;
    uint8_t* qh = out.qh + 32 * h;
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<uint8_t>((Lh[l] & 0xF) | ((Lh[l + 64] & 0xF) << 4));
      ql[l + 32] = static_cast<uint8_t>((Lh[l + 32] & 0xF) | ((Lh[l + 96] & 0xF) << 4));
      qh[l] = static_cast<uint8_t>((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) |
                                   ((Lh[l + 96] >> 4) << 6));
    }
  }
}

}  // namespace

void quantize_row_q8_0(const float* x, void* dst, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kQ8_0Block; ++b) {
    const float* xb = x + b * kQ8_0Block;
    float amax = 0.0f;
    for (int j = 0; j < kQ8_0Block; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    out[b].d = f32_to_fp16(d);
    for (int j = 0; j < kQ8_0Block; ++j) out[b].qs[j] = round_to_i8(xb[j] * id);
  }
}

void quantize_row_q6_k(const float* x, void* dst, int64_t n) {
  auto* out = static_cast<BlockQ6_K*>(dst);
  for (int64_t b = 0; b < n / kSuperBlock; ++b) quantize_block_q6_k(x + b * kSuperBlock, out[b]);
}

void quantize_row_q8_k(const float* x, void* dst, int64_t n) {
  auto* out = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const float* xb = x + b * kSuperBlock;
    BlockQ8_K& blk = out[b];
    float amax = 0.0f;
    const float max = signed_absmax(xb, kSuperBlock, amax);
    if (amax == 0.0f) {
      std::memset(&blk, 0, sizeof blk);
      continue;
    }
    const float iscale = -127.0f / max;
    for (int j = 0; j < kSuperBlock; ++j) {
      // [-127, 127]: see round_to_i8 (an underflowing max makes iscale infinite).
      blk.qs[j] = static_cast<int8_t>(std::clamp(nearest_int(iscale * xb[j]), -127, 127));
    }
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += blk.qs[16 * g + j];
      blk.bsums[g] = static_cast<int16_t>(sum);
    }
    blk.d = 1.0f / iscale;
  }
}

void dequantize_row_q8_0(const void* src, float* y, int64_t n) {
  const auto* in = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < n / kQ8_0Block; ++b) {
    const float d = fp16_to_f32(in[b].d);
    for (int j = 0; j < kQ8_0Block; ++j) y[b * kQ8_0Block + j] = d * static_cast<float>(in[b].qs[j]);
  }
}

void dequantize_row_q6_k(const void* src, float* y, int64_t n) {
  const auto* in = static_cast<const BlockQ6_K*>(src);
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const BlockQ6_K& blk = in[b];
    const float d = fp16_to_f32(blk.d);
    for (int j = 0; j < kSuperBlock; ++j) {
      y[b * kSuperBlock + j] = d * static_cast<float>(blk.scales[j / 16]) * static_cast<float>(q6_k_quant(blk, j));
    }
  }
}

void dequantize_row_q8_k(const void* src, float* y, int64_t n) {
  const auto* in = static_cast<const BlockQ8_K*>(src);
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    for (int j = 0; j < kSuperBlock; ++j) y[b * kSuperBlock + j] = in[b].d * static_cast<float>(in[b].qs[j]);
  }
}

void bf16_to_f32(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = kernels::bf16_to_f32(x[i]);
}

void f32_to_bf16(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = kernels::f32_to_bf16(x[i]);
}

}  // namespace nanollama::kernels::ref
