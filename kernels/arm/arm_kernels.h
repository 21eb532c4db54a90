// SPDX-License-Identifier: Apache-2.0
// The AArch64 paths: detection and the fill functions of their registry rows (paths.cpp), and
// the entry points of the per-ISA translation units. Declarations only, so any file may
// include it.
#pragma once

#include "kernels/dispatch.h"

namespace nanollama::kernels {

// Per-ISA translation units.
void fill_neon_float(KernelTable& table);          // neon_float.cpp (xsimd's NEON backend)
void fill_neon_quant(KernelTable& table);          // neon_quant.cpp (plain NEON int8 dots)
void fill_neon_dotprod_quant(KernelTable& table);  // neon_dotprod_quant.cpp (+dotprod: sdot)

// paths.cpp: what the registry rows point to.
bool arm_can_run_neon() noexcept;
bool arm_can_run_neon_dotprod() noexcept;
void fill_neon(KernelTable& table);
void fill_neon_dotprod(KernelTable& table);

}  // namespace nanollama::kernels
