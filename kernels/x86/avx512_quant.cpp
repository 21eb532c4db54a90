// SPDX-License-Identifier: Apache-2.0
// Integer kernels for the AVX-512 (BW) path without VNNI. AVX-512 has no byte sign
// instruction, so the sign of w is applied to x with a masked subtract; then maddubs on |w|
// and madd with ones, as on AVX2 (same bounds: |w| <= 128, |x| <= 127).
#include "kernels/x86/avx512_intrinsics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/simd/quant_hooks.h"
#include "kernels/simd/stream_prefetch.h"
#include "kernels/x86/x86_kernels.h"

namespace nanollama::kernels {
namespace {

#include "kernels/x86/avx512_quant_common.inl"

struct Avx512QuantHooks : Avx512QuantHooksBase {
  static constexpr int kQ8PanelC = 5;  // activation rows per Q8_0 panel tile

  struct Q8W {
    IV abs_w;
    __mmask64 negative;
  };
  static Q8W q8_prep_w(IV w) { return {_mm512_abs_epi8(w), _mm512_movepi8_mask(w)}; }
  static IV q8_pair(const Q8W& w, IV x) {
    const IV signed_x = _mm512_mask_sub_epi8(x, w.negative, _mm512_setzero_si512(), x);
    return _mm512_madd_epi16(_mm512_maddubs_epi16(w.abs_w, signed_x), _mm512_set1_epi16(1));
  }
  static IV q8v_prep_x(IV x) { return x; }
  static IV q8v_init(IV) { return _mm512_setzero_si512(); }
  static IV q8v_dot(IV, IV w, IV x) { return q8_pair(q8_prep_w(w), x); }
  // Panel kernel: |w| and w's sign mask per loaded weight vector.
  using Q8PW = Q8W;
  static Q8PW q8p_load_w(IV w) { return q8_prep_w(w); }
  static IV q8p_acc(IV acc, const Q8PW& w, int32_t x4) { return _mm512_add_epi32(acc, q8_pair(w, _mm512_set1_epi32(x4))); }
  static int32_t q8p_init_for(const int8_t*) { return 0; }
  static IV q6_acc(IV acc, IV u, IV x, IV sc) {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, x), sc));
  }
  // Q6_K panels: unsigned quants (<= 63) times activation bytes; pair sums stay below 2^15.
  static IV q6p_dot(IV acc, IV u, int32_t x4) {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, _mm512_set1_epi32(x4)), _mm512_set1_epi16(1)));
  }
};

#include "kernels/simd/quant_all.inl"

}  // namespace

void fill_avx512_quant(KernelTable& table) { fill_quant_kernels<Avx512QuantHooks>(table); }

}  // namespace nanollama::kernels
