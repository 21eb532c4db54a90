// SPDX-License-Identifier: Apache-2.0
// The scalar reference of every kernel: written for clarity, it is the oracle the SIMD paths
// are tested against and the path used where no SIMD path exists.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/blocks.h"
#include "kernels/dispatch.h"

namespace nanollama::kernels::ref {

// The signed quant of weight j (0..255) of a Q6_K super-block, -32..31 (docs/WEIGHTS.md, "Q6_K").
// static inline: the reference files share it; no SIMD file includes this header.
static inline int q6_k_quant(const BlockQ6_K& blk, int j) {
  const int h = j / 128, g = (j % 128) / 32, l = j % 32;
  const int low4 = (blk.ql[64 * h + 32 * (g % 2) + l] >> (4 * (g / 2))) & 0xF;
  const int high2 = (blk.qh[32 * h + l] >> (2 * g)) & 0x3;
  return (low4 | (high2 << 4)) - 32;
}

// The first element of largest magnitude, with its sign (llama.cpp's quantizers scale by
// it); 0 for an all-zero input. `amax` receives its magnitude.
static inline float signed_absmax(const float* x, int64_t n, float& amax) {
  float max = 0.0f;
  amax = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  return max;
}

// Row conversions; n is a multiple of the type's block size (checked by the caller).
void quantize_row_q8_0(const float* x, void* dst, int64_t n);
void quantize_row_q6_k(const float* x, void* dst, int64_t n);
void quantize_row_q8_k(const float* x, void* dst, int64_t n);
void dequantize_row_q8_0(const void* src, float* y, int64_t n);
void dequantize_row_q6_k(const void* src, float* y, int64_t n);
void dequantize_row_q8_k(const void* src, float* y, int64_t n);
void bf16_to_f32(const uint16_t* x, float* y, int64_t n);
void f32_to_bf16(const float* x, uint16_t* y, int64_t n);

// Dot product of one weight row with one activation row of its paired type.
float dot_f32_row(const void* w, const void* x, int64_t n);   // F32 x F32
float dot_f16_row(const void* w, const void* x, int64_t n);   // F16 x F32
float dot_bf16_row(const void* w, const void* x, int64_t n);  // BF16 x F32
float dot_q8_0_row(const void* w, const void* x, int64_t n);  // Q8_0 x Q8_0
float dot_q6_k_row(const void* w, const void* x, int64_t n);  // Q6_K x Q8_K

void matmul_f32(const MatmulArgs& a, int64_t n0, int64_t n1);
void matmul_f16(const MatmulArgs& a, int64_t n0, int64_t n1);
void matmul_bf16(const MatmulArgs& a, int64_t n0, int64_t n1);
void matmul_q8_0(const MatmulArgs& a, int64_t n0, int64_t n1);
void matmul_q6_k(const MatmulArgs& a, int64_t n0, int64_t n1);

// Q8_0 panels (blocks.h): the packer of the table's pack_q8_0_panels, one row read back
// into rows-layout blocks, and the product on panels (args.w_stride: the panel stride).
void pack_q8_0_panels(const uint8_t* rows, size_t row_stride, int64_t n_rows, int64_t cols, int64_t p0, int64_t p1,
                      uint8_t* out);
void panel_row_q8_0(const uint8_t* panel, int64_t cols, int lane, BlockQ8_0* row);
void matmul_q8_0_panels(const MatmulArgs& a, int64_t n0, int64_t n1);
// The same for Q6_K panels.
void pack_q6_k_panels(const uint8_t* rows, size_t row_stride, int64_t n_rows, int64_t cols, int64_t p0, int64_t p1,
                      uint8_t* out);
void panel_row_q6_k(const uint8_t* panel, int64_t cols, int lane, BlockQ6_K* row);
void matmul_q6_k_panels(const MatmulArgs& a, int64_t n0, int64_t n1);

// The lossy BF16 product (MatrixLayout::bf16_pairs, blocks.h): an activation rounded to BF16
// (nearest-even, subnormals to zero), one row of them, the dot product as a lane of
// vdpbf16ps computes it, one panel made of `count` (at most kBf16PanelRows) BF16 rows and
// one row read back, and the MatmulOps of the product (activations packed by pack_bf16_pairs).
uint16_t bf16_activation(float v);
void bf16_activations(const float* x, uint16_t* y, int64_t n);
float dot_bf16_pairs(const uint16_t* w, const uint16_t* x, int64_t n);
void pack_bf16_panel(const uint16_t* rows, int64_t count, int64_t cols, uint8_t* panel);
void bf16_panel_row(const uint8_t* panel, int64_t cols, int lane, uint16_t* row);
size_t bf16_pairs_packed_bytes(const MatmulArgs& a);
void pack_bf16_pairs(const MatmulArgs& a, int part, int parts, void* out);
void matmul_bf16_pairs(const MatmulArgs& a, int64_t n0, int64_t n1);

// Float vector routines (see kernels.h for their meaning).
float dot_f32(const float* a, const float* b, int64_t n);
float dot_f32_f16(const float* a, const uint16_t* b, int64_t n);
void axpy_f32(float a, const float* x, float* y, int64_t n);
void axpy_f16(float a, const uint16_t* x, float* y, int64_t n);
void dot_rows_f32(const float* q, const float* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                  float scale, float* out);
void dot_rows_f16(const float* q, const uint16_t* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                  float scale, float* out);
void axpy_rows_f32(const float* w, const float* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                   float* y);
void axpy_rows_f16(const float* w, const uint16_t* base, size_t stride, const int32_t* index, int64_t count, int64_t n,
                   float* y);
void add(float* y, const float* x, int64_t n);
void scale(float* y, float s, int64_t n);
void rms_norm(const float* x, const float* gain, float* y, int64_t n, float eps);
float softmax(float* x, int64_t n);
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
void mish_mul(const float* gate, const float* up, float* out, int64_t n);
void rope_pairs(float* x, const float* cos, const float* sin, int64_t n_pairs);
void f32_to_f16(const float* x, uint16_t* y, int64_t n);
void f16_to_f32(const uint16_t* x, float* y, int64_t n);

// Scalar building blocks shared with the SIMD paths' tails and tests.
float silu(float x);
float mish(float x);

}  // namespace nanollama::kernels::ref
