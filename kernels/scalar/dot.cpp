// SPDX-License-Identifier: Apache-2.0
// Reference dot products of one weight row with one activation row, and the scalar matrix
// products built from them. Plain loops, one output at a time: the oracle for SIMD code.
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/scalar/reference.h"

namespace nanollama::kernels::ref {

float dot_f32_row(const void* w, const void* x, int64_t n) {
  return dot_f32(static_cast<const float*>(w), static_cast<const float*>(x), n);
}

float dot_f16_row(const void* w, const void* x, int64_t n) {
  return dot_f32_f16(static_cast<const float*>(x), static_cast<const uint16_t*>(w), n);
}

float dot_bf16_row(const void* w, const void* x, int64_t n) {
  const auto* wb = static_cast<const uint16_t*>(w);
  const auto* xf = static_cast<const float*>(x);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += kernels::bf16_to_f32(wb[i]) * xf[i];
  return sum;
}

// Σ_blocks d_w · d_x · Σ_j w_j x_j, the integer part exact.
float dot_q8_0_row(const void* w, const void* x, int64_t n) {
  const auto* wb = static_cast<const BlockQ8_0*>(w);
  const auto* xb = static_cast<const BlockQ8_0*>(x);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQ8_0Block; ++b) {
    int32_t isum = 0;
    for (int j = 0; j < kQ8_0Block; ++j) isum += int32_t{wb[b].qs[j]} * int32_t{xb[b].qs[j]};
    sum += fp16_to_f32(wb[b].d) * fp16_to_f32(xb[b].d) * static_cast<float>(isum);
  }
  return sum;
}

// Σ_superblocks d6 · d8 · Σ_groups scale_g · Σ_j q6_j · q8_j, the integer part exact
// (|sum| < 256·128·32·128 < 2^31).
float dot_q6_k_row(const void* w, const void* x, int64_t n) {
  const auto* wb = static_cast<const BlockQ6_K*>(w);
  const auto* xb = static_cast<const BlockQ8_K*>(x);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const BlockQ6_K& blk = wb[b];
    int32_t group_sum[16] = {};
    for (int j = 0; j < kSuperBlock; ++j) group_sum[j / 16] += q6_k_quant(blk, j) * int32_t{xb[b].qs[j]};
    int32_t isum = 0;
    for (int g = 0; g < 16; ++g) isum += int32_t{blk.scales[g]} * group_sum[g];
    sum += fp16_to_f32(blk.d) * xb[b].d * static_cast<float>(isum);
  }
  return sum;
}

namespace {

using RowDot = float (*)(const void*, const void*, int64_t);

void matmul_with(RowDot dot, const MatmulArgs& a, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t* w = a.w + static_cast<size_t>(n) * a.w_stride;
    for (int64_t i = 0; i < a.n_act; ++i) {
      a.y[i * a.ldy + n] = dot(w, a.x + static_cast<size_t>(i) * a.x_stride, a.cols);
    }
  }
}

}  // namespace

void matmul_f32(const MatmulArgs& a, int64_t n0, int64_t n1) { matmul_with(dot_f32_row, a, n0, n1); }
void matmul_f16(const MatmulArgs& a, int64_t n0, int64_t n1) { matmul_with(dot_f16_row, a, n0, n1); }
void matmul_bf16(const MatmulArgs& a, int64_t n0, int64_t n1) { matmul_with(dot_bf16_row, a, n0, n1); }
void matmul_q8_0(const MatmulArgs& a, int64_t n0, int64_t n1) { matmul_with(dot_q8_0_row, a, n0, n1); }
void matmul_q6_k(const MatmulArgs& a, int64_t n0, int64_t n1) { matmul_with(dot_q6_k_row, a, n0, n1); }

}  // namespace nanollama::kernels::ref
