// SPDX-License-Identifier: Apache-2.0
// Integer kernels for the AVX-512 VNNI path. vpdpbusd multiplies unsigned by signed bytes
// and accumulates groups of four into int32 with no intermediate saturation. The weights
// are made unsigned by adding 128 (w ^ 0x80); the extra 128·Σx this adds is removed by
// starting each accumulator at -128·Σx, computed once per activation block, so a pair
// costs one vpdpbusd. Q6_K's 6-bit quants are already unsigned; their group scales are
// applied in int16 with vpdpwssd.
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

struct Avx512VnniQuantHooks : Avx512QuantHooksBase {
  static constexpr int kQ8PanelC = 6;  // activation rows per Q8_0 panel tile

  // Matrix-vector kernel: here the weights are made unsigned (w ^ 0x80 = w + 128) and the
  // activations stay signed, so the correction, -128·Σx, depends on the activation row only
  // and is computed once per call instead of once per weight vector.
  static IV q8v_prep_x(IV x) { return x; }
  static IV q8v_init(IV x) {
    const IV sum128 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(static_cast<char>(0x80)), x);
    return _mm512_sub_epi32(_mm512_setzero_si512(), sum128);
  }
  static IV q8v_dot(IV init, IV w, IV x) {
    return _mm512_dpbusd_epi32(init, _mm512_xor_si512(w, _mm512_set1_epi8(static_cast<char>(0x80))), x);
  }

  // Panel kernel: the same trick on each weight vector as it is loaded (panels hold the
  // quants as they are, the same for every path); the activations' corrections start the
  // lanes.
  using Q8PW = IV;
  // Keeps a reused weight vector in a register: folded into each dot instruction's memory
  // operand instead, it would be loaded once per activation row.
  static Q8PW q8p_load_w(IV w) {
    w = _mm512_xor_si512(w, _mm512_set1_epi8(static_cast<char>(0x80)));
    __asm__("" : "+v"(w));
    return w;
  }
  static IV q8p_acc(IV acc, const Q8PW& w, int32_t x4) { return _mm512_dpbusd_epi32(acc, w, _mm512_set1_epi32(x4)); }
  static int32_t q8p_init_for(const int8_t* qs) {
    // Σx as the byte sum of x + 128 (psadbw against zero) less 32 · 128.
    const __m256i u = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs)),
                                       _mm256_set1_epi8(static_cast<char>(0x80)));
    const __m256i s = _mm256_sad_epu8(u, _mm256_setzero_si256());
    const __m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    const int64_t sum = _mm_cvtsi128_si64(t) + _mm_extract_epi64(t, 1) - kQ8_0Block * 128;
    return static_cast<int32_t>(-128 * sum);
  }
  static IV q6_acc(IV acc, IV u, IV x, IV sc) { return _mm512_dpwssd_epi32(acc, _mm512_maddubs_epi16(u, x), sc); }
  // Q6_K panels: unsigned quants times a broadcast dword of activation bytes.
  static IV q6p_dot(IV acc, IV u, int32_t x4) { return _mm512_dpbusd_epi32(acc, u, _mm512_set1_epi32(x4)); }
};

#include "kernels/simd/quant_all.inl"

}  // namespace

void fill_avx512vnni_quant(KernelTable& table) { fill_quant_kernels<Avx512VnniQuantHooks>(table); }

}  // namespace nanollama::kernels
