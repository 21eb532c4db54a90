// SPDX-License-Identifier: Apache-2.0
// Every integer kernel of one ISA and the table entries they fill: included INSIDE the
// anonymous namespace of that ISA's *_quant.cpp, after its hooks (quant_kernels.inl lists
// them), which then defines its fill_* function as fill_quant_kernels.
#include "kernels/simd/quant_kernels.inl"
#include "kernels/simd/q6_panel_kernels.inl"

void fill_quant_kernels(KernelTable& table) {
  table.matmul_q8_0 = {matmul_q8_0_simd, q8_packed_x_bytes, q8_pack_x};
  table.matmul_q6_k = {matmul_q6_k_simd};
  table.matmul_q8_0_panels = {matmul_q8_0_panels_simd, q8_panels_x_bytes, q8_pack_x};
  table.pack_q8_0_panels = pack_q8_0_panels_simd;
  table.matmul_q6_k_panels = {matmul_q6_k_panels_simd, q6_panels_x_bytes, q6_pack_x};
}
