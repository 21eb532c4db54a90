// SPDX-License-Identifier: Apache-2.0
// The x86 paths: detection and the fill functions of their registry rows (paths.cpp), and the
// entry points of the per-ISA translation units, each of which fills its part of a path's
// table. Declarations only (no inline code), so any file may include it.
#pragma once

#include "kernels/dispatch.h"

namespace nanollama::kernels {

// Per-ISA translation units (compiled with their own -m flags).
void fill_avx2_float(KernelTable& table);
void fill_avx2_quant(KernelTable& table);
void fill_avx512_float(KernelTable& table);
void fill_avx512_quant(KernelTable& table);
void fill_avx512vnni_quant(KernelTable& table);
void fill_avx512bf16_float(KernelTable& table);  // the BF16-pairs product only

// paths.cpp (generic flags): what the registry rows point to.
bool x86_can_run_avx2() noexcept;
bool x86_can_run_avx512() noexcept;
bool x86_can_run_avx512vnni() noexcept;
void fill_avx2(KernelTable& table);
void fill_avx512(KernelTable& table);
void fill_avx512vnni(KernelTable& table);

}  // namespace nanollama::kernels
