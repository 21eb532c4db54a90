// SPDX-License-Identifier: Apache-2.0
// The BF16-pairs product (MatrixLayout::bf16_pairs) with AVX512-BF16: vdpbf16ps does a pair
// step (two multiply-adds per lane, each rounded, the odd element first) in one instruction,
// where the other paths need two FMAs and four bit operations. Zen 4 and Zen 5 have it, and
// Intel since Cooper Lake; the avx512vnni path takes this product from here when the CPU has
// it (paths.cpp). Everything else on that path is unchanged.
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

struct Avx512Bf16FloatHooks : Avx512FloatHooks {
  using U = xsimd::batch<uint32_t, Arch>;
  static F dot_bf16_pairs(F acc, U w, U x) {
    return _mm512_dpbf16_ps(acc, reinterpret_cast<__m512bh>(static_cast<__m512i>(w)),
                            reinterpret_cast<__m512bh>(static_cast<__m512i>(x)));
  }
  // vcvtne2ps2bf16 rounds as ref::bf16_activation does: subnormals to zero, NaN quieted
  // (bit 6 set), nearest-even (tests/kernels/test_bf16_pairs.cpp checks every kind of input).
  static void round_bf16(F lo, F hi, uint16_t* out) {
    _mm512_storeu_si512(out, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo)));
  }
};
static_assert(NativeBf16Pairs<Avx512Bf16FloatHooks>);

#include "kernels/simd/float_kernels.inl"

}  // namespace

void fill_avx512bf16_float(KernelTable& table) { fill_bf16_pairs_kernels<Avx512Bf16FloatHooks>(table); }

}  // namespace nanollama::kernels
