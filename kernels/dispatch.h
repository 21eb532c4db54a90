// SPDX-License-Identifier: Apache-2.0
// The function table behind the public kernel API. One table per instruction-set path is
// filled by that path's translation units; the active one is chosen once at start-up
// (or by set_isa / NANOLLAMA_ISA). Internal to the kernel layer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nanollama/kernels.h"

namespace nanollama::kernels {

// One matrix product over a range of weight rows: for every weight row n in [n0, n1) and
// every activation row i in [0, n_act): y[i * ldy + n] = dot(W row n, activation row i).
// Each output must be computed the same way whatever the range, so that splitting the rows
// over threads never changes a bit.
struct MatmulArgs {
  const uint8_t* w;    // weight row 0
  size_t w_stride;     // bytes between weight rows
  int64_t cols;        // elements per row (a multiple of the block size)
  const uint8_t* x;    // activation row 0 (already in the paired activation type)
  size_t x_stride;     // bytes between activation rows
  int64_t n_act;       // activation rows
  float* y;
  int64_t ldy;
  const void* x_packed = nullptr;  // the activations in the kernel's own layout (MatmulOps)
};
using MatmulKernel = void (*)(const MatmulArgs& args, int64_t n0, int64_t n1);

// A matrix product: `run` over a range of weight rows and, for a kernel that takes the
// activations in a layout of its own, how to make that layout. It depends on the
// activations only, so the driver packs once per call, for every product that shares the
// activations and every thread, and passes the result to `run` as args.x_packed.
struct MatmulOps {
  MatmulKernel run = nullptr;
  // Bytes of the packed form of args' activations; 0 when `run` takes them as they are.
  size_t (*packed_bytes)(const MatmulArgs& args) = nullptr;
  // Writes part `part` of `parts` of the packed form into `out` (the whole form, 64-byte
  // aligned); parts are independent, so threads may pack them side by side.
  void (*pack)(const MatmulArgs& args, int part, int parts, void* out) = nullptr;
};

// Activation quantizers on the hot path; SIMD versions must give the same bytes as the
// scalar reference.
using QuantizeKernel = void (*)(const float* x, void* dst, int64_t n);

struct KernelTable {
  Isa isa;
  MatmulOps matmul_f32;
  MatmulOps matmul_f16;
  MatmulOps matmul_bf16;
  MatmulOps matmul_q8_0;
  MatmulOps matmul_q6_k;
  MatmulOps matmul_q8_0_panels;  // args.w: the first panel, args.w_stride: q8_panel_stride
  // Packs panels [p0, p1) of a Q8_0 matrix of n_rows rows (layout rows, row_stride bytes
  // apart) into `out`, where panel p goes at out + p * q8_panel_stride(cols).
  void (*pack_q8_0_panels)(const uint8_t* rows, size_t row_stride, int64_t n_rows, int64_t cols, int64_t p0, int64_t p1,
                           uint8_t* out);
  MatmulOps matmul_q6_k_panels;  // args.w: the first panel, args.w_stride: q6_panel_stride
  void (*pack_q6_k_panels)(const uint8_t* rows, size_t row_stride, int64_t n_rows, int64_t cols, int64_t p0, int64_t p1,
                           uint8_t* out);
  // BF16 rows against activations rounded to BF16 (lossy: MatrixLayout::bf16_pairs; blocks.h).
  MatmulOps matmul_bf16_pairs;
  void (*round_bf16)(const float* x, uint16_t* y, int64_t n);  // its rounding: ref::bf16_activations
  QuantizeKernel quantize_q8_0;
  QuantizeKernel quantize_q8_k;

  float (*dot_f32)(const float* a, const float* b, int64_t n);
  float (*dot_f32_f16)(const float* a, const uint16_t* b, int64_t n);
  void (*axpy_f32)(float a, const float* x, float* y, int64_t n);
  void (*axpy_f16)(float a, const uint16_t* x, float* y, int64_t n);
  void (*dot_rows_f32)(const float* q, const float* base, size_t stride, const int32_t* index, int64_t count,
                       int64_t n, float scale, float* out);
  void (*dot_rows_f16)(const float* q, const uint16_t* base, size_t stride, const int32_t* index, int64_t count,
                       int64_t n, float scale, float* out);
  void (*axpy_rows_f32)(const float* w, const float* base, size_t stride, const int32_t* index, int64_t count,
                        int64_t n, float* y);
  void (*axpy_rows_f16)(const float* w, const uint16_t* base, size_t stride, const int32_t* index, int64_t count,
                        int64_t n, float* y);
  void (*add)(float* y, const float* x, int64_t n);
  void (*scale)(float* y, float s, int64_t n);
  void (*rms_norm)(const float* x, const float* gain, float* y, int64_t n, float eps);
  float (*softmax)(float* x, int64_t n);
  void (*silu_mul)(const float* gate, const float* up, float* out, int64_t n);
  void (*mish_mul)(const float* gate, const float* up, float* out, int64_t n);
  void (*rope_pairs)(float* x, const float* cos, const float* sin, int64_t n_pairs);
  void (*f32_to_f16)(const float* x, uint16_t* y, int64_t n);
  void (*f16_to_f32)(const uint16_t* x, float* y, int64_t n);
};

// The scalar path's table (every other path's starts as a copy of it: isa_registry.h).
const KernelTable& scalar_table() noexcept;

// The table of the active path.
const KernelTable& active_table() noexcept;

}  // namespace nanollama::kernels
