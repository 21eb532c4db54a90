// SPDX-License-Identifier: Apache-2.0
// Float kernels for the AVX-512 path (F/BW/VL/DQ/CD + FMA + F16C). Zen 4 runs 512-bit
// operations as two 256-bit halves, so the gain over AVX2 is the 32 registers (bigger
// tiles) and fewer instructions, not wider FMA units.
#include "kernels/x86/avx512_intrinsics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <xsimd/xsimd.hpp>

#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/simd/float_hooks.h"
#include "kernels/simd/stream_prefetch.h"
#include "kernels/x86/x86_kernels.h"

namespace nanollama::kernels {
namespace {

#include "kernels/x86/avx512_float_hooks.inl"

#include "kernels/simd/float_kernels.inl"

}  // namespace

void fill_avx512_float(KernelTable& table) { fill_float_kernels<Avx512FloatHooks>(table); }

}  // namespace nanollama::kernels
