// SPDX-License-Identifier: Apache-2.0
// The scalar path's function table: every entry is the reference routine.
#include "kernels/dispatch.h"
#include "kernels/scalar/reference.h"

namespace nanollama::kernels {

const KernelTable& scalar_table() noexcept {
  static const KernelTable table = {
      .isa = Isa::scalar,
      .matmul_f32 = {ref::matmul_f32},
      .matmul_f16 = {ref::matmul_f16},
      .matmul_bf16 = {ref::matmul_bf16},
      .matmul_q8_0 = {ref::matmul_q8_0},
      .matmul_q6_k = {ref::matmul_q6_k},
      .matmul_q8_0_panels = {ref::matmul_q8_0_panels},
      .pack_q8_0_panels = ref::pack_q8_0_panels,
      .matmul_q6_k_panels = {ref::matmul_q6_k_panels},
      .pack_q6_k_panels = ref::pack_q6_k_panels,
      .matmul_bf16_pairs = {ref::matmul_bf16_pairs, ref::bf16_pairs_packed_bytes, ref::pack_bf16_pairs},
      .round_bf16 = ref::bf16_activations,
      .quantize_q8_0 = ref::quantize_row_q8_0,
      .quantize_q8_k = ref::quantize_row_q8_k,
      .dot_f32 = ref::dot_f32,
      .dot_f32_f16 = ref::dot_f32_f16,
      .axpy_f32 = ref::axpy_f32,
      .axpy_f16 = ref::axpy_f16,
      .dot_rows_f32 = ref::dot_rows_f32,
      .dot_rows_f16 = ref::dot_rows_f16,
      .axpy_rows_f32 = ref::axpy_rows_f32,
      .axpy_rows_f16 = ref::axpy_rows_f16,
      .add = ref::add,
      .scale = ref::scale,
      .rms_norm = ref::rms_norm,
      .softmax = ref::softmax,
      .silu_mul = ref::silu_mul,
      .mish_mul = ref::mish_mul,
      .rope_pairs = ref::rope_pairs,
      .f32_to_f16 = ref::f32_to_f16,
      .f16_to_f32 = ref::f16_to_f32,
  };
  return table;
}

}  // namespace nanollama::kernels
