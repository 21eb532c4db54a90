// SPDX-License-Identifier: Apache-2.0
// Every integer kernel written once, and the table entries they fill: included INSIDE the
// anonymous namespace of an ISA's *_quant.cpp (before its hook type), whose fill_* function
// is then fill_quant_kernels<its hooks>.
#include "kernels/simd/quant_kernels.inl"
#include "kernels/simd/q6_panel_kernels.inl"

template <Q6PanelHooks H>
void fill_quant_kernels(KernelTable& table) {
  using Kernels = QuantKernels<H>;
  using Q6Panels = Q6PanelKernels<H>;
  table.matmul_q8_0 = {Kernels::matmul_q8_0_simd, Kernels::q8_packed_x_bytes, Kernels::q8_pack_x};
  table.matmul_q6_k = {Kernels::matmul_q6_k_simd};
  table.matmul_q8_0_panels = {Kernels::matmul_q8_0_panels_simd, Kernels::q8_panels_x_bytes, Kernels::q8_pack_x};
  table.pack_q8_0_panels = Kernels::pack_q8_0_panels_simd;
  table.matmul_q6_k_panels = {Q6Panels::matmul_q6_k_panels_simd, Q6Panels::q6_panels_x_bytes, Q6Panels::q6_pack_x};
}
