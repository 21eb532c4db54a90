// SPDX-License-Identifier: Apache-2.0
// Entry points of the x86 per-ISA translation units: each fills its part of a path's table.
// Declarations only (no inline code), so any file may include it.
#pragma once

#include "kernels/dispatch.h"

namespace nanollama::kernels {

void fill_avx2_float(KernelTable& table);
void fill_avx2_quant(KernelTable& table);
void fill_avx512_float(KernelTable& table);
void fill_avx512_quant(KernelTable& table);
void fill_avx512vnni_quant(KernelTable& table);

}  // namespace nanollama::kernels
